// CityFeeds public page: live updates and "use my location". The page works without this script: the server
// renders every answer, the form is a plain GET form, a reload shows what this shows.
(function () {
  "use strict";
  var live = document.getElementById("live");

  // A discharge or any other alert change: fetch this page again and replace the parts that carry live answers,
  // then say so politely to screen readers. The reader's focus and scroll position are left alone.
  if (window.EventSource && window.fetch && window.DOMParser && document.querySelector("[data-live]")) {
    var pending = null;
    var refresh = function () {
      pending = null;
      fetch(window.location.href, { headers: { "Accept": "text/html" }, cache: "no-cache" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (!html) { return; }
          var fresh = new DOMParser().parseFromString(html, "text/html");
          document.querySelectorAll("[data-live]").forEach(function (part) {
            var replacement = fresh.querySelector("[data-live=\"" + part.getAttribute("data-live") + "\"]");
            if (replacement && replacement.innerHTML !== part.innerHTML) { part.innerHTML = replacement.innerHTML; }
          });
          var time = new Date().toLocaleTimeString(document.documentElement.lang, { hour: "2-digit", minute: "2-digit" });
          live.textContent = live.getAttribute("data-text").replace("{time}", time);
        })
        .catch(function () {});
    };
    var stream = new EventSource("/v1/alerts/stream");
    ["pending", "firing", "updated", "resolved", "acknowledged", "silenced", "not_genuine"].forEach(function (kind) {
      stream.addEventListener(kind, function () { if (!pending) { pending = setTimeout(refresh, 200); } });
    });
  }

  // "Use my location": with the visitor's consent, the browser's position fills the form and sends it.
  var locate = document.getElementById("locate");
  if (locate && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (position) {
        document.getElementById("lat").value = position.coords.latitude.toFixed(5);
        document.getElementById("lon").value = position.coords.longitude.toFixed(5);
        document.getElementById("near").value = "here";
        locate.form.submit();
      }, function () {}, { maximumAge: 60000, timeout: 10000 });
    });
  }
})();
