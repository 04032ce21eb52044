-- wrk script: each connection revalidates with the last ETag it saw, as a polling app does.
local etag = nil

request = function()
  if etag then
    return wrk.format("GET", nil, { ["If-None-Match"] = etag })
  end
  return wrk.format("GET")
end

response = function(status, headers, body)
  local tag = headers["ETag"] or headers["Etag"] or headers["etag"]
  if tag then etag = tag end
end
