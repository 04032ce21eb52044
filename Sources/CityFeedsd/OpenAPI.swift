/// The OpenAPI 3.1 description of the HTTP API, served at `/openapi.json`. Kept true by
/// `OpenAPIContractTests`, which checks real responses against it, and by the schemathesis run
/// (`scripts/api-fuzz.sh`). Edit it together with the documents in `Documents.swift`.
enum OpenAPI {
    static let document = #"""
{
 "components": {
  "parameters": {
   "AsOf": {
    "description": "Answer as of this moment (RFC 3339, or Unix seconds; not in the future): what the daemon showed then, from the stored readings and the alert journal, with today's configuration. As far back as the in-memory series reach.",
    "in": "query",
    "name": "at",
    "required": false,
    "schema": {
     "anyOf": [
      {
       "format": "date-time"
      },
      {
       "pattern": "^-?[0-9]{1,10}(\\.[0-9]{1,3})?$"
      }
     ],
     "type": "string"
    }
   },
   "AlertId": {
    "description": "alert id",
    "in": "path",
    "name": "id",
    "required": true,
    "schema": {
     "type": "string"
    }
   },
   "BeachId": {
    "description": "beach id",
    "in": "path",
    "name": "id",
    "required": true,
    "schema": {
     "type": "string"
    }
   },
   "CarParkId": {
    "description": "car park id",
    "in": "path",
    "name": "id",
    "required": true,
    "schema": {
     "type": "string"
    }
   }
  },
  "responses": {
   "MalformedBody": {
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    },
    "description": "Malformed body"
   },
   "MalformedParameter": {
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    },
    "description": "A malformed parameter"
   },
   "NotModified": {
    "description": "Not Modified: the If-None-Match tag is current"
   },
   "OperatorsDisabled": {
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    },
    "description": "Operator endpoints disabled"
   },
   "Unauthorized": {
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    },
    "description": "No valid bearer token"
   },
   "UnknownId": {
    "content": {
     "application/problem+json": {
      "schema": {
       "$ref": "#/components/schemas/Problem"
      }
     }
    },
    "description": "Unknown id"
   }
  },
  "schemas": {
   "Alert": {
    "additionalProperties": false,
    "properties": {
     "acknowledged": {
      "$ref": "#/components/schemas/OperatorNote"
     },
     "beaches": {
      "items": {
       "type": "string"
      },
      "type": "array"
     },
     "causes": {
      "items": {
       "type": "string"
      },
      "type": "array"
     },
     "ends_at": {
      "format": "date-time",
      "type": "string"
     },
     "fingerprint": {
      "type": "string"
     },
     "fired_at": {
      "format": "date-time",
      "type": "string"
     },
     "id": {
      "type": "integer"
     },
     "not_genuine": {
      "$ref": "#/components/schemas/OperatorNote"
     },
     "resolved_at": {
      "format": "date-time",
      "type": "string"
     },
     "rule": {
      "enum": [
       "sewage_discharge",
       "outfall_offline",
       "contamination",
       "heavy_rain"
      ],
      "type": "string"
     },
     "silenced_until": {
      "format": "date-time",
      "type": "string"
     },
     "spills": {
      "type": "integer"
     },
     "started_at": {
      "format": "date-time",
      "type": "string"
     },
     "state": {
      "enum": [
       "pending",
       "firing",
       "resolved"
      ],
      "type": "string"
     },
     "stopped_at": {
      "format": "date-time",
      "type": "string"
     },
     "subject": {
      "type": "string"
     },
     "summary": {
      "type": "string"
     },
     "value": {
      "type": "number"
     }
    },
    "required": [
     "id",
     "rule",
     "subject",
     "fingerprint",
     "state",
     "beaches",
     "started_at",
     "causes",
     "summary"
    ],
    "type": "object"
   },
   "AlertDetail": {
    "additionalProperties": false,
    "properties": {
     "alert": {
      "$ref": "#/components/schemas/Alert"
     },
     "transitions": {
      "items": {
       "$ref": "#/components/schemas/Transition"
      },
      "type": "array"
     }
    },
    "required": [
     "alert",
     "transitions"
    ],
    "type": "object"
   },
   "AlertList": {
    "additionalProperties": false,
    "properties": {
     "generated_at": {
      "format": "date-time",
      "type": "string"
     },
     "items": {
      "items": {
       "$ref": "#/components/schemas/Alert"
      },
      "type": "array"
     }
    },
    "required": [
     "generated_at",
     "items"
    ],
    "type": "object"
   },
   "Beach": {
    "additionalProperties": false,
    "properties": {
     "alerts": {
      "items": {
       "$ref": "#/components/schemas/Alert"
      },
      "type": "array"
     },
     "classification": {
      "$ref": "#/components/schemas/Classification"
     },
     "id": {
      "type": "string"
     },
     "lat": {
      "type": "number"
     },
     "lon": {
      "type": "number"
     },
     "name": {
      "type": "string"
     },
     "outfalls": {
      "items": {
       "additionalProperties": false,
       "properties": {
        "alert_until": {
         "format": "date-time",
         "type": "string"
        },
        "id": {
         "type": "string"
        },
        "name": {
         "type": "string"
        },
        "since": {
         "format": "date-time",
         "type": "string"
        },
        "state": {
         "enum": [
          "clear",
          "discharging",
          "recent_discharge",
          "offline",
          "unknown"
         ],
         "type": "string"
        }
       },
       "required": [
        "id",
        "name",
        "state"
       ],
       "type": "object"
      },
      "type": "array"
     },
     "override": {
      "additionalProperties": false,
      "properties": {
       "action": {
        "enum": [
         "close",
         "open"
        ],
        "type": "string"
       },
       "at": {
        "format": "date-time",
        "type": "string"
       },
       "author": {
        "type": "string"
       },
       "reason": {
        "type": "string"
       },
       "until": {
        "format": "date-time",
        "type": "string"
       }
      },
      "required": [
       "action",
       "reason",
       "author",
       "at"
      ],
      "type": "object"
     },
     "probe": {
      "additionalProperties": false,
      "properties": {
       "id": {
        "type": "string"
       },
       "last_seen": {
        "format": "date-time",
        "type": "string"
       },
       "salinity": {
        "type": "number"
       },
       "signs": {
        "items": {
         "additionalProperties": false,
         "properties": {
          "baseline": {
           "type": "number"
          },
          "kind": {
           "enum": [
            "turbidity_jump",
            "salinity_drop"
           ],
           "type": "string"
          },
          "time": {
           "format": "date-time",
           "type": "string"
          },
          "value": {
           "type": "number"
          }
         },
         "required": [
          "kind",
          "time",
          "value",
          "baseline"
         ],
         "type": "object"
        },
        "type": "array"
       },
       "state": {
        "enum": [
         "online",
         "offline",
         "never_seen"
        ],
        "type": "string"
       },
       "temperature": {
        "type": "number"
       },
       "turbidity": {
        "type": "number"
       }
      },
      "required": [
       "id",
       "state",
       "signs"
      ],
      "type": "object"
     },
     "reasons": {
      "items": {
       "type": "string"
      },
      "type": "array"
     },
     "sample": {
      "additionalProperties": false,
      "properties": {
       "age_seconds": {
        "type": "number"
       },
       "ecoli": {
        "type": "number"
       },
       "enterococci": {
        "type": "number"
       },
       "quality": {
        "enum": [
         "good",
         "average",
         "poor"
        ],
        "type": "string"
       },
       "time": {
        "format": "date-time",
        "type": "string"
       }
      },
      "required": [],
      "type": "object"
     },
     "sewage": {
      "enum": [
       "clear",
       "alert",
       "unknown"
      ],
      "type": "string"
     },
     "status": {
      "enum": [
       "good",
       "average",
       "poor",
       "unknown",
       "closed"
      ],
      "type": "string"
     },
     "water_type": {
      "enum": [
       "coastal",
       "inland"
      ],
      "type": "string"
     }
    },
    "required": [
     "id",
     "name",
     "water_type",
     "lat",
     "lon",
     "status",
     "sewage",
     "reasons",
     "sample",
     "outfalls",
     "alerts"
    ],
    "type": "object"
   },
   "BeachList": {
    "additionalProperties": false,
    "properties": {
     "generated_at": {
      "format": "date-time",
      "type": "string"
     },
     "items": {
      "items": {
       "$ref": "#/components/schemas/Beach"
      },
      "type": "array"
     }
    },
    "required": [
     "generated_at",
     "items"
    ],
    "type": "object"
   },
   "CarPark": {
    "additionalProperties": false,
    "properties": {
     "address": {
      "type": [
       "string",
       "null"
      ]
     },
     "capacity": {
      "type": "integer"
     },
     "capacity_charging": {
      "type": [
       "integer",
       "null"
      ]
     },
     "capacity_disabled": {
      "type": [
       "integer",
       "null"
      ]
     },
     "data_age_seconds": {
      "type": [
       "number",
       "null"
      ]
     },
     "data_quality": {
      "enum": [
       "stuck",
       "dead"
      ],
      "type": "string"
     },
     "distance": {
      "description": "metres, with lat/lon/radius",
      "type": "number"
     },
     "forecast_free_30min": {
      "type": [
       "number",
       "null"
      ]
     },
     "forecast_free_60min": {
      "type": [
       "number",
       "null"
      ]
     },
     "forecast_basis": {
      "description": "what the forecasts rest on: previous_days (the same time on forecast_days previous days) or trend (the last hour continued); computed once per 5-minute bucket, so repeated requests without new data get the same figures",
      "enum": [
       "previous_days",
       "trend",
       null
      ],
      "type": [
       "string",
       "null"
      ]
     },
     "forecast_days": {
      "description": "with forecast_basis previous_days: how many of the seven previous days had data",
      "type": "integer"
     },
     "stale_after_seconds": {
      "description": "this car park's cut-off: live figures older than this are withheld. The configured parking.stale_after_minutes, or twice the feed's usual reporting interval when that is longer (at most four times the configured value)",
      "type": [
       "number",
       "null"
      ]
     },
     "has_fee": {
      "type": "boolean"
     },
     "has_realtime_data": {
      "type": "boolean"
     },
     "id": {
      "type": "string"
     },
     "lat": {
      "type": "number"
     },
     "lon": {
      "type": "number"
     },
     "max_height": {
      "description": "height limit, cm",
      "type": [
       "integer",
       "null"
      ]
     },
     "minutes_to_full": {
      "type": [
       "number",
       "null"
      ]
     },
     "name": {
      "type": "string"
     },
     "occupancy_ratio": {
      "type": [
       "number",
       "null"
      ]
     },
     "opening_hours": {
      "type": [
       "string",
       "null"
      ]
     },
     "park_and_ride": {
      "type": "boolean"
     },
     "realtime_data_updated_at": {
      "format": "date-time",
      "type": [
       "string",
       "null"
      ]
     },
     "realtime_free_capacity": {
      "type": [
       "integer",
       "null"
      ]
     },
     "realtime_occupied": {
      "type": [
       "integer",
       "null"
      ]
     },
     "realtime_opening_status": {
      "enum": [
       "OPEN",
       "CLOSED"
      ],
      "type": "string"
     },
     "status": {
      "enum": [
       "spacesAvailable",
       "almostFull",
       "full",
       "closed",
       "unknown"
      ],
      "type": "string"
     },
     "tariffs": {
      "additionalProperties": {
       "type": "number"
      },
      "type": [
       "object",
       "null"
      ]
     },
     "trend": {
      "enum": [
       "increasing",
       "decreasing",
       "stable",
       null
      ],
      "type": [
       "string",
       "null"
      ]
     },
     "type": {
      "enum": [
       "UNDERGROUND",
       "CAR_PARK",
       "OFF_STREET_PARKING_GROUND",
       "ON_STREET"
      ],
      "type": "string"
     },
     "unknown_spaces": {
      "type": "integer"
     },
     "zones": {
      "items": {
       "additionalProperties": false,
       "properties": {
        "capacity": {
         "type": "integer"
        },
        "id": {
         "type": "string"
        },
        "realtime_free_capacity": {
         "type": "integer"
        },
        "unknown": {
         "type": "integer"
        }
       },
       "required": [
        "id",
        "capacity",
        "realtime_free_capacity",
        "unknown"
       ],
       "type": "object"
      },
      "type": "array"
     }
    },
    "required": [
     "id",
     "name",
     "type",
     "lat",
     "lon",
     "capacity",
     "has_fee",
     "has_realtime_data",
     "realtime_free_capacity",
     "status"
    ],
    "type": "object"
   },
   "CarParkDetail": {
    "additionalProperties": false,
    "properties": {
     "car_park": {
      "$ref": "#/components/schemas/CarPark"
     },
     "counter": {
      "additionalProperties": false,
      "properties": {
       "baseline_time": {
        "format": "date-time",
        "type": "string"
       },
       "calibrations": {
        "items": {
         "additionalProperties": false,
         "properties": {
          "raw": {
           "type": "integer"
          },
          "snapped_to": {
           "type": "integer"
          },
          "time": {
           "format": "date-time",
           "type": "string"
          }
         },
         "required": [
          "time",
          "raw",
          "snapped_to"
         ],
         "type": "object"
        },
        "type": "array"
       },
       "drift": {
        "type": "integer"
       }
      },
      "required": [
       "baseline_time",
       "drift",
       "calibrations"
      ],
      "type": "object"
     },
     "history": {
      "items": {
       "additionalProperties": false,
       "properties": {
        "free": {
         "type": "integer"
        },
        "time": {
         "format": "date-time",
         "type": "string"
        }
       },
       "required": [
        "time",
        "free"
       ],
       "type": "object"
      },
      "type": "array"
     }
    },
    "required": [
     "car_park",
     "history"
    ],
    "type": "object"
   },
   "CarParkList": {
    "additionalProperties": false,
    "properties": {
     "generated_at": {
      "format": "date-time",
      "type": "string"
     },
     "items": {
      "items": {
       "$ref": "#/components/schemas/CarPark"
      },
      "type": "array"
     }
    },
    "required": [
     "generated_at",
     "items"
    ],
    "type": "object"
   },
   "Classification": {
    "additionalProperties": false,
    "properties": {
     "class": {
      "enum": [
       "excellent",
       "good",
       "sufficient",
       "poor",
       "insufficient_data"
      ],
      "type": "string"
     },
     "discounted": {
      "type": "integer"
     },
     "from": {
      "format": "date-time",
      "type": "string"
     },
     "method": {
      "type": "string"
     },
     "parameters": {
      "items": {
       "additionalProperties": false,
       "properties": {
        "class": {
         "type": "string"
        },
        "mean_log10": {
         "type": "number"
        },
        "p90": {
         "type": "number"
        },
        "p95": {
         "type": "number"
        },
        "parameter": {
         "enum": [
          "ecoli",
          "enterococci"
         ],
         "type": "string"
        },
        "samples": {
         "type": "integer"
        },
        "sd_log10": {
         "type": "number"
        }
       },
       "required": [
        "parameter",
        "samples",
        "class"
       ],
       "type": "object"
      },
      "type": "array"
     },
     "samples": {
      "type": "integer"
     },
     "seasons": {
      "type": "integer"
     },
     "to": {
      "format": "date-time",
      "type": "string"
     }
    },
    "required": [
     "class",
     "method",
     "from",
     "to",
     "seasons",
     "samples",
     "discounted",
     "parameters"
    ],
    "type": "object"
   },
   "FeatureCollection": {
    "additionalProperties": false,
    "properties": {
     "features": {
      "items": {
       "additionalProperties": false,
       "properties": {
        "geometry": {
         "additionalProperties": false,
         "properties": {
          "coordinates": {
           "items": {
            "type": "number"
           },
           "type": "array"
          },
          "type": {
           "enum": [
            "Point"
           ],
           "type": "string"
          }
         },
         "required": [
          "type",
          "coordinates"
         ],
         "type": "object"
        },
        "id": {
         "type": "string"
        },
        "properties": {
         "$ref": "#/components/schemas/CarPark"
        },
        "type": {
         "enum": [
          "Feature"
         ],
         "type": "string"
        }
       },
       "required": [
        "type",
        "id",
        "geometry",
        "properties"
       ],
       "type": "object"
      },
      "type": "array"
     },
     "type": {
      "enum": [
       "FeatureCollection"
      ],
      "type": "string"
     }
    },
    "required": [
     "type",
     "features"
    ],
    "type": "object"
   },
   "Health": {
    "additionalProperties": false,
    "properties": {
     "configuration": {
      "additionalProperties": false,
      "properties": {
       "last_error": {
        "type": "string"
       },
       "loaded_at": {
        "format": "date-time",
        "type": "string"
       },
       "reloads": {
        "type": "integer"
       }
      },
      "required": [
       "loaded_at",
       "reloads"
      ],
      "type": "object"
     },
     "mqtt": {
      "$ref": "#/components/schemas/MQTTStatus"
     },
     "problems": {
      "description": "Why the daemon is not ready, one sentence each (empty when ready).",
      "items": {
       "type": "string"
      },
      "type": "array"
     },
     "alert_log": {
      "description": "The JSON Lines alert log: how far it is written, and since when writing it fails, if it does.",
      "properties": {
       "path": {
        "type": "string"
       },
       "logged_through": {
        "type": "integer"
       },
       "journalled": {
        "type": "integer"
       },
       "failing_since": {
        "format": "date-time",
        "type": "string"
       },
       "problem": {
        "type": "string"
       },
       "write_failures": {
        "type": "integer"
       }
      },
      "required": [
       "path",
       "logged_through",
       "journalled",
       "write_failures"
      ],
      "type": "object"
     },
     "ready": {
      "type": "boolean"
     },
     "status": {
      "type": "string"
     },
     "stored_readings": {
      "type": "integer"
     }
    },
    "required": [
     "status",
     "ready",
     "mqtt",
     "configuration"
    ],
    "type": "object"
   },
   "Quarantine": {
    "properties": {
     "count": {
      "type": "integer"
     },
     "items": {
      "items": {
       "properties": {
        "id": {
         "type": "integer"
        },
        "at": {
         "format": "date-time",
         "type": "string"
        },
        "topic": {
         "type": "string"
        },
        "reason": {
         "type": "string"
        },
        "payload": {
         "description": "as text when it is UTF-8, else base64 (payload_encoding)",
         "type": "string"
        },
        "payload_encoding": {
         "enum": [
          "utf-8",
          "base64"
         ],
         "type": "string"
        },
        "payload_bytes": {
         "type": "integer"
        }
       },
       "required": [
        "id",
        "at",
        "topic",
        "reason",
        "payload",
        "payload_encoding",
        "payload_bytes"
       ],
       "type": "object"
      },
      "type": "array"
     }
    },
    "required": [
     "count",
     "items"
    ],
    "type": "object"
   },
   "Ingest": {
    "additionalProperties": false,
    "properties": {
     "last_accepted": {
      "format": "date-time",
      "type": "string"
     },
     "messages_accepted": {
      "type": "integer"
     },
     "messages_received": {
      "type": "integer"
     },
     "messages_rejected": {
      "type": "integer"
     },
     "messages_repeated": {
      "type": "integer"
     },
     "mqtt": {
      "$ref": "#/components/schemas/MQTTStatus"
     },
     "readings_accepted": {
      "type": "integer"
     },
     "readings_duplicate": {
      "type": "integer"
     },
     "readings_late": {
      "description": "New readings older than their series' newest when they came (a backlog, a late uplink, a batch): stored in their place in time, never taken for the current figure, and not applied to alerts already decided.",
      "type": "integer"
     },
     "readings_rejected": {
      "type": "integer"
     },
     "readings_stored": {
      "type": "integer"
     },
     "recent_rejections": {
      "items": {
       "additionalProperties": false,
       "properties": {
        "detail": {
         "type": "string"
        },
        "payload": {
         "type": "string"
        },
        "reason": {
         "type": "string"
        },
        "sensor": {
         "type": "string"
        },
        "time": {
         "format": "date-time",
         "type": "string"
        },
        "topic": {
         "type": "string"
        }
       },
       "required": [
        "time",
        "topic",
        "reason",
        "detail",
        "payload"
       ],
       "type": "object"
      },
      "type": "array"
     },
     "rejections_by_reason": {
      "additionalProperties": {
       "type": "integer"
      },
      "type": "object"
     },
     "rejections_by_sensor": {
      "additionalProperties": {
       "type": "integer"
      },
      "description": "Rejections per configured sensor; ids that are not configured are counted together under unconfigured, messages naming no sensor under (none).",
      "type": "object"
     },
     "quarantined": {
      "description": "Messages held in the quarantine (GET /v1/ingest/quarantine).",
      "type": "integer"
     },
     "unconfigured_sample": {
      "description": "Some of the unconfigured sensor ids most recently rejected (at most 8, each cut to 64 characters).",
      "items": {
       "type": "string"
      },
      "type": "array"
     }
    },
    "required": [
     "mqtt",
     "messages_received",
     "messages_accepted",
     "messages_rejected",
     "rejections_by_reason",
     "recent_rejections"
    ],
    "type": "object"
   },
   "MQTTStatus": {
    "additionalProperties": false,
    "properties": {
     "attempts": {
      "type": "integer"
     },
     "last_error": {
      "type": "string"
     },
     "reconnects": {
      "type": "integer"
     },
     "session_present": {
      "type": "boolean"
     },
     "since": {
      "format": "date-time",
      "type": "string"
     },
     "state": {
      "enum": [
       "disconnected",
       "connecting",
       "connected"
      ],
      "type": "string"
     }
    },
    "required": [
     "state",
     "since",
     "reconnects",
     "attempts",
     "session_present"
    ],
    "type": "object"
   },
   "OperatorNote": {
    "additionalProperties": false,
    "properties": {
     "at": {
      "format": "date-time",
      "type": "string"
     },
     "by": {
      "type": "string"
     },
     "reason": {
      "type": "string"
     }
    },
    "required": [
     "by",
     "at"
    ],
    "type": "object"
   },
   "Problem": {
    "additionalProperties": false,
    "properties": {
     "detail": {
      "type": "string"
     },
     "status": {
      "type": "integer"
     },
     "title": {
      "type": "string"
     },
     "type": {
      "type": "string"
     }
    },
    "required": [
     "type",
     "title",
     "status",
     "detail"
    ],
    "type": "object"
   },
   "SeriesList": {
    "additionalProperties": false,
    "properties": {
     "generated_at": {
      "format": "date-time",
      "type": "string"
     },
     "items": {
      "items": {
       "additionalProperties": false,
       "properties": {
        "latest": {
         "additionalProperties": false,
         "properties": {
          "time": {
           "format": "date-time",
           "type": "string"
          },
          "value": {
           "type": "number"
          }
         },
         "required": [
          "time",
          "value"
         ],
         "type": "object"
        },
        "metric": {
         "type": "string"
        },
        "sensor": {
         "type": "string"
        }
       },
       "required": [
        "sensor",
        "metric"
       ],
       "type": "object"
      },
      "type": "array"
     },
     "memory": {
      "additionalProperties": false,
      "properties": {
       "bytes": {
        "type": "integer"
       },
       "late": {
        "type": "integer"
       },
       "samples": {
        "type": "integer"
       },
       "series": {
        "type": "integer"
       }
      },
      "type": "object"
     }
    },
    "required": [
     "generated_at",
     "items"
    ],
    "type": "object"
   },
   "SeriesRaw": {
    "additionalProperties": false,
    "properties": {
     "from": {
      "format": "date-time",
      "type": "string"
     },
     "metric": {
      "type": "string"
     },
     "points": {
      "items": {
       "additionalProperties": false,
       "properties": {
        "time": {
         "format": "date-time",
         "type": "string"
        },
        "value": {
         "type": "number"
        }
       },
       "required": [
        "time",
        "value"
       ],
       "type": "object"
      },
      "type": "array"
     },
     "sensor": {
      "type": "string"
     },
     "to": {
      "format": "date-time",
      "type": "string"
     }
    },
    "required": [
     "sensor",
     "metric",
     "from",
     "to",
     "points"
    ],
    "type": "object"
   },
   "SeriesSteps": {
    "additionalProperties": false,
    "properties": {
     "from": {
      "format": "date-time",
      "type": "string"
     },
     "metric": {
      "type": "string"
     },
     "points": {
      "items": {
       "additionalProperties": false,
       "properties": {
        "count": {
         "type": "integer"
        },
        "held": {
         "type": [
          "number",
          "null"
         ]
        },
        "last": {
         "type": [
          "number",
          "null"
         ]
        },
        "max": {
         "type": [
          "number",
          "null"
         ]
        },
        "mean": {
         "type": [
          "number",
          "null"
         ]
        },
        "min": {
         "type": [
          "number",
          "null"
         ]
        },
        "time": {
         "format": "date-time",
         "type": "string"
        }
       },
       "required": [
        "time",
        "count"
       ],
       "type": "object"
      },
      "type": "array"
     },
     "sensor": {
      "type": "string"
     },
     "source_step": {
      "type": "integer"
     },
     "step": {
      "type": "integer"
     },
     "to": {
      "format": "date-time",
      "type": "string"
     }
    },
    "required": [
     "sensor",
     "metric",
     "from",
     "to",
     "step",
     "points"
    ],
    "type": "object"
   },
   "Status": {
    "additionalProperties": false,
    "properties": {
     "alerts": {
      "items": {
       "$ref": "#/components/schemas/Alert"
      },
      "type": "array"
     },
     "beaches": {
      "items": {
       "$ref": "#/components/schemas/Beach"
      },
      "type": "array"
     },
     "car_parks": {
      "items": {
       "$ref": "#/components/schemas/CarPark"
      },
      "type": "array"
     },
     "city": {
      "type": "string"
     },
     "generated_at": {
      "format": "date-time",
      "type": "string"
     },
     "mqtt": {
      "$ref": "#/components/schemas/MQTTStatus"
     },
     "parking": {
      "additionalProperties": false,
      "properties": {
       "car_parks": {
        "type": "integer"
       },
       "total_free": {
        "type": "integer"
       },
       "with_realtime_data": {
        "type": "integer"
       }
      },
      "required": [
       "car_parks",
       "with_realtime_data",
       "total_free"
      ],
      "type": "object"
     }
    },
    "required": [
     "city",
     "generated_at",
     "parking",
     "car_parks",
     "beaches",
     "alerts",
     "mqtt"
    ],
    "type": "object"
   },
   "Transition": {
    "additionalProperties": false,
    "properties": {
     "alert": {
      "$ref": "#/components/schemas/Alert"
     },
     "at": {
      "description": "When it happened, in the readings' (observation) time: a hold ends at stop + hold, whenever it was processed.",
      "format": "date-time",
      "type": "string"
     },
     "late": {
      "description": "Recorded well after it happened (alerts.late_after_seconds): history learnt from a backlog, a late report or a replayed archive. On the live stream such transitions come as events named 'history', not as live warnings.",
      "type": "boolean"
     },
     "recorded_at": {
      "description": "When the daemon recorded it (its wall clock). Absent from transitions journalled before this field existed.",
      "format": "date-time",
      "type": "string"
     },
     "kind": {
      "enum": [
       "pending",
       "firing",
       "updated",
       "resolved",
       "acknowledged",
       "silenced",
       "not_genuine"
      ],
      "type": "string"
     },
     "note": {
      "type": "string"
     },
     "sequence": {
      "type": "integer"
     }
    },
    "required": [
     "sequence",
     "kind",
     "at",
     "late",
     "note",
     "alert"
    ],
    "type": "object"
   }
  },
  "securitySchemes": {
   "operator": {
    "scheme": "bearer",
    "type": "http"
   }
  }
 },
 "info": {
  "description": "Live parking availability and bathing-water status from a city's MQTT sensors (cityfeedsd). Reads are public, cacheable (ETag, If-None-Match → 304) and CORS-enabled; writes need the operator's bearer token. Errors are RFC 9457 problem documents. Times are RFC 3339 in UTC.",
  "title": "CityFeeds API",
  "version": "1.0.0"
 },
 "openapi": "3.1.0",
 "paths": {
  "/healthz": {
   "get": {
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Health"
        }
       }
      },
      "description": "OK"
     }
    },
    "summary": "Alive (always 200 while answering); readiness in the body",
    "tags": [
     "operations"
    ]
   }
  },
  "/metrics": {
   "get": {
    "responses": {
     "200": {
      "content": {
       "text/plain": {
        "schema": {
         "type": "string"
        }
       }
      },
      "description": "OK"
     }
    },
    "summary": "Prometheus text exposition",
    "tags": [
     "operations"
    ]
   }
  },
  "/openapi.json": {
   "get": {
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "type": "object"
        }
       }
      },
      "description": "OK"
     }
    },
    "summary": "This document",
    "tags": [
     "operations"
    ]
   }
  },
  "/readyz": {
   "get": {
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Health"
        }
       }
      },
      "description": "OK"
     },
     "503": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Health"
        }
       }
      },
      "description": "Not ready"
     }
    },
    "summary": "200 when MQTT is connected and the store open, else 503",
    "tags": [
     "operations"
    ]
   }
  },
  "/v1/alerts": {
   "get": {
    "parameters": [
     {
      "$ref": "#/components/parameters/AsOf"
     },
     {
      "description": "default active",
      "in": "query",
      "name": "state",
      "required": false,
      "schema": {
       "enum": [
        "active",
        "resolved",
        "all"
       ],
       "type": "string"
      }
     },
     {
      "description": "same as state=active",
      "in": "query",
      "name": "active",
      "required": false,
      "schema": {
       "type": "string"
      }
     },
     {
      "description": "",
      "in": "query",
      "name": "beach",
      "required": false,
      "schema": {
       "type": "string"
      }
     },
     {
      "description": "",
      "in": "query",
      "name": "rule",
      "required": false,
      "schema": {
       "enum": [
        "sewage_discharge",
        "outfall_offline",
        "contamination",
        "heavy_rain"
       ],
       "type": "string"
      }
     },
     {
      "description": "RFC 3339 (or Unix seconds): alerts open at or after",
      "in": "query",
      "name": "since",
      "required": false,
      "schema": {
       "anyOf": [
        {
         "format": "date-time"
        },
        {
         "pattern": "^-?[0-9]{1,10}(\\.[0-9]{1,3})?$"
        }
       ],
       "type": "string"
      }
     },
     {
      "description": "paging",
      "in": "query",
      "name": "before_id",
      "required": false,
      "schema": {
       "type": "integer"
      }
     },
     {
      "description": "default 100",
      "in": "query",
      "name": "limit",
      "required": false,
      "schema": {
       "maximum": 1000,
       "minimum": 1,
       "type": "integer"
      }
     }
    ],
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/AlertList"
        }
       }
      },
      "description": "OK"
     },
     "304": {
      "$ref": "#/components/responses/NotModified"
     },
     "400": {
      "$ref": "#/components/responses/MalformedParameter"
     }
    },
    "summary": "Alerts from the journal, newest first",
    "tags": [
     "alerts"
    ]
   }
  },
  "/v1/alerts/stream": {
   "get": {
    "parameters": [
     {
      "in": "header",
      "name": "Last-Event-ID",
      "required": false,
      "schema": {
       "type": "string"
      }
     },
     {
      "description": "same as Last-Event-ID",
      "in": "query",
      "name": "after",
      "required": false,
      "schema": {
       "type": "integer"
      }
     }
    ],
    "responses": {
     "200": {
      "content": {
       "text/event-stream": {
        "schema": {
         "type": "string"
        }
       }
      },
      "description": "an endless text/event-stream; each event's data is a Transition"
     }
    },
    "summary": "Server-Sent Events, one per alert transition; resume with Last-Event-ID",
    "tags": [
     "alerts"
    ]
   }
  },
  "/v1/alerts/{id}": {
   "get": {
    "parameters": [
     {
      "$ref": "#/components/parameters/AlertId"
     }
    ],
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/AlertDetail"
        }
       }
      },
      "description": "OK"
     },
     "304": {
      "$ref": "#/components/responses/NotModified"
     },
     "404": {
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      },
      "description": "Unknown alert"
     }
    },
    "summary": "One alert with its transitions",
    "tags": [
     "alerts"
    ]
   }
  },
  "/v1/alerts/{id}/acknowledge": {
   "post": {
    "parameters": [
     {
      "$ref": "#/components/parameters/AlertId"
     }
    ],
    "requestBody": {
     "content": {
      "application/json": {
       "schema": {
        "additionalProperties": false,
        "properties": {
         "by": {
          "description": "who acts",
          "pattern": "\\S",
          "type": "string"
         },
         "reason": {
          "type": "string"
         }
        },
        "required": [
         "by"
        ],
        "type": "object"
       }
      }
     },
     "required": true
    },
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Alert"
        }
       }
      },
      "description": "OK"
     },
     "400": {
      "$ref": "#/components/responses/MalformedBody"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/OperatorsDisabled"
     },
     "404": {
      "$ref": "#/components/responses/UnknownId"
     }
    },
    "security": [
     {
      "operator": []
     }
    ],
    "summary": "Operator: acknowledge (never clears)",
    "tags": [
     "operator"
    ]
   }
  },
  "/v1/alerts/{id}/not-genuine": {
   "post": {
    "parameters": [
     {
      "$ref": "#/components/parameters/AlertId"
     }
    ],
    "requestBody": {
     "content": {
      "application/json": {
       "schema": {
        "additionalProperties": false,
        "properties": {
         "by": {
          "description": "who acts",
          "pattern": "\\S",
          "type": "string"
         },
         "reason": {
          "pattern": "\\S",
          "type": "string"
         }
        },
        "required": [
         "by",
         "reason"
        ],
        "type": "object"
       }
      }
     },
     "required": true
    },
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Alert"
        }
       }
      },
      "description": "OK"
     },
     "400": {
      "$ref": "#/components/responses/MalformedBody"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/OperatorsDisabled"
     },
     "404": {
      "$ref": "#/components/responses/UnknownId"
     }
    },
    "security": [
     {
      "operator": []
     }
    ],
    "summary": "Operator: mark not genuine, with a reason",
    "tags": [
     "operator"
    ]
   }
  },
  "/v1/alerts/{id}/silence": {
   "post": {
    "parameters": [
     {
      "$ref": "#/components/parameters/AlertId"
     }
    ],
    "requestBody": {
     "content": {
      "application/json": {
       "schema": {
        "additionalProperties": false,
        "properties": {
         "by": {
          "description": "who acts",
          "pattern": "\\S",
          "type": "string"
         },
         "minutes": {
          "maximum": 10080,
          "minimum": 1,
          "type": "number"
         },
         "reason": {
          "type": "string"
         }
        },
        "required": [
         "by",
         "minutes"
        ],
        "type": "object"
       }
      }
     },
     "required": true
    },
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Alert"
        }
       }
      },
      "description": "OK"
     },
     "400": {
      "$ref": "#/components/responses/MalformedBody"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/OperatorsDisabled"
     },
     "404": {
      "$ref": "#/components/responses/UnknownId"
     }
    },
    "security": [
     {
      "operator": []
     }
    ],
    "summary": "Operator: silence notifications for some minutes",
    "tags": [
     "operator"
    ]
   }
  },
  "/v1/beaches": {
   "get": {
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/BeachList"
        }
       }
      },
      "description": "OK"
     },
     "304": {
      "$ref": "#/components/responses/NotModified"
     }
    },
    "summary": "Every beach with status, evidence and classification",
    "tags": [
     "beaches"
    ]
   }
  },
  "/v1/beaches/{id}": {
   "get": {
    "parameters": [
     {
      "$ref": "#/components/parameters/BeachId"
     },
     {
      "$ref": "#/components/parameters/AsOf"
     }
    ],
    "responses": {
     "400": {
      "$ref": "#/components/responses/MalformedParameter"
     },
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Beach"
        }
       }
      },
      "description": "OK"
     },
     "304": {
      "$ref": "#/components/responses/NotModified"
     },
     "404": {
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      },
      "description": "Unknown beach"
     }
    },
    "summary": "One beach",
    "tags": [
     "beaches"
    ]
   }
  },
  "/v1/beaches/{id}/override": {
   "delete": {
    "parameters": [
     {
      "$ref": "#/components/parameters/BeachId"
     }
    ],
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Beach"
        }
       }
      },
      "description": "OK"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/OperatorsDisabled"
     },
     "404": {
      "$ref": "#/components/responses/UnknownId"
     }
    },
    "security": [
     {
      "operator": []
     }
    ],
    "summary": "Operator: lift the order in force",
    "tags": [
     "operator"
    ]
   },
   "post": {
    "parameters": [
     {
      "$ref": "#/components/parameters/BeachId"
     }
    ],
    "requestBody": {
     "content": {
      "application/json": {
       "schema": {
        "additionalProperties": false,
        "properties": {
         "action": {
          "enum": [
           "close",
           "open"
          ],
          "type": "string"
         },
         "author": {
          "pattern": "\\S",
          "type": "string"
         },
         "reason": {
          "pattern": "\\S",
          "type": "string"
         },
         "until": {
          "description": "when the order lapses (null or absent: until lifted); an order already lapsed is recorded as such",
          "format": "date-time",
          "type": [
           "string",
           "null"
          ]
         }
        },
        "required": [
         "action",
         "reason",
         "author"
        ],
        "type": "object"
       }
      }
     },
     "required": true
    },
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Beach"
        }
       }
      },
      "description": "OK"
     },
     "400": {
      "$ref": "#/components/responses/MalformedBody"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/OperatorsDisabled"
     },
     "404": {
      "$ref": "#/components/responses/UnknownId"
     }
    },
    "security": [
     {
      "operator": []
     }
    ],
    "summary": "Operator: a municipal order closing or reopening a beach",
    "tags": [
     "operator"
    ]
   }
  },
  "/v1/ingest": {
   "get": {
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Ingest"
        }
       }
      },
      "description": "OK"
     },
     "304": {
      "$ref": "#/components/responses/NotModified"
     }
    },
    "summary": "Ingest counters and the latest rejections",
    "tags": [
     "operations"
    ]
   }
  },
  "/v1/ingest/quarantine": {
   "get": {
    "description": "MQTT messages set aside because they alone made ingest fail (the daemon died while processing one alone, or its commit kept failing while others committed). Each was acknowledged so that the messages behind it flow; the newest 100 are listed, at most 1000 are kept.",
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Quarantine"
        }
       }
      },
      "description": "OK"
     },
     "304": {
      "$ref": "#/components/responses/NotModified"
     }
    },
    "summary": "Messages set aside by ingest (the poison-message quarantine)",
    "tags": [
     "operations"
    ]
   }
  },
  "/v1/parking": {
   "get": {
    "parameters": [
     {
      "description": "with lon (and radius): distance filter, nearest first",
      "in": "query",
      "name": "lat",
      "required": false,
      "schema": {
       "maximum": 90,
       "minimum": -90,
       "type": "number"
      }
     },
     {
      "description": "with lat",
      "in": "query",
      "name": "lon",
      "required": false,
      "schema": {
       "maximum": 180,
       "minimum": -180,
       "type": "number"
      }
     },
     {
      "description": "metres; needs lat and lon",
      "in": "query",
      "name": "radius",
      "required": false,
      "schema": {
       "exclusiveMinimum": 0,
       "maximum": 100000,
       "type": "number"
      }
     },
     {
      "description": "min_lon,min_lat,max_lon,max_lat",
      "in": "query",
      "name": "bbox",
      "required": false,
      "schema": {
       "pattern": "^-?[0-9.]+,-?[0-9.]+,-?[0-9.]+,-?[0-9.]+$",
       "type": "string"
      }
     },
     {
      "description": "",
      "in": "query",
      "name": "free_of_charge",
      "required": false,
      "schema": {
       "type": "boolean"
      }
     },
     {
      "description": "cm, or metres below 10",
      "in": "query",
      "name": "vehicle_height",
      "required": false,
      "schema": {
       "exclusiveMinimum": 0,
       "maximum": 1000,
       "type": "number"
      }
     },
     {
      "description": "alias of vehicle_height",
      "in": "query",
      "name": "max_height",
      "required": false,
      "schema": {
       "exclusiveMinimum": 0,
       "maximum": 1000,
       "type": "number"
      }
     },
     {
      "description": "",
      "in": "query",
      "name": "min_free",
      "required": false,
      "schema": {
       "minimum": 0,
       "type": "integer"
      }
     },
     {
      "description": "car park type",
      "in": "query",
      "name": "type",
      "required": false,
      "schema": {
       "enum": [
        "UNDERGROUND",
        "CAR_PARK",
        "OFF_STREET_PARKING_GROUND",
        "ON_STREET"
       ],
       "type": "string"
      }
     }
    ],
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/CarParkList"
        }
       }
      },
      "description": "OK"
     },
     "304": {
      "$ref": "#/components/responses/NotModified"
     },
     "400": {
      "$ref": "#/components/responses/MalformedParameter"
     }
    },
    "summary": "Car parks with live availability, filtered and sorted",
    "tags": [
     "parking"
    ]
   }
  },
  "/v1/parking.geojson": {
   "get": {
    "responses": {
     "200": {
      "content": {
       "application/geo+json": {
        "schema": {
         "$ref": "#/components/schemas/FeatureCollection"
        }
       }
      },
      "description": "OK"
     },
     "304": {
      "$ref": "#/components/responses/NotModified"
     }
    },
    "summary": "Car parks as GeoJSON",
    "tags": [
     "parking"
    ]
   }
  },
  "/v1/parking/{id}": {
   "get": {
    "parameters": [
     {
      "$ref": "#/components/parameters/CarParkId"
     },
     {
      "$ref": "#/components/parameters/AsOf"
     }
    ],
    "responses": {
     "400": {
      "$ref": "#/components/responses/MalformedParameter"
     },
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/CarParkDetail"
        }
       }
      },
      "description": "OK"
     },
     "304": {
      "$ref": "#/components/responses/NotModified"
     },
     "404": {
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      },
      "description": "Unknown car park"
     }
    },
    "summary": "One car park with its last hour and counter calibration",
    "tags": [
     "parking"
    ]
   }
  },
  "/v1/parking/{id}/occupancy": {
   "post": {
    "parameters": [
     {
      "$ref": "#/components/parameters/CarParkId"
     }
    ],
    "requestBody": {
     "content": {
      "application/json": {
       "schema": {
        "additionalProperties": false,
        "properties": {
         "occupied": {
          "minimum": 0,
          "type": "integer"
         }
        },
        "required": [
         "occupied"
        ],
        "type": "object"
       }
      }
     },
     "required": true
    },
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/CarPark"
        }
       }
      },
      "description": "OK"
     },
     "400": {
      "$ref": "#/components/responses/MalformedBody"
     },
     "401": {
      "$ref": "#/components/responses/Unauthorized"
     },
     "403": {
      "$ref": "#/components/responses/OperatorsDisabled"
     },
     "404": {
      "$ref": "#/components/responses/UnknownId"
     },
     "409": {
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      },
      "description": "Not an entry/exit counted car park"
     }
    },
    "security": [
     {
      "operator": []
     }
    ],
    "summary": "Operator: set an entry/exit counted car park's occupancy",
    "tags": [
     "operator"
    ]
   }
  },
  "/v1/series": {
   "get": {
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/SeriesList"
        }
       }
      },
      "description": "OK"
     },
     "304": {
      "$ref": "#/components/responses/NotModified"
     }
    },
    "summary": "The series in memory",
    "tags": [
     "series"
    ]
   }
  },
  "/v1/series/{sensor}/{metric}": {
   "get": {
    "parameters": [
     {
      "description": "",
      "in": "path",
      "name": "sensor",
      "required": true,
      "schema": {
       "type": "string"
      }
     },
     {
      "description": "",
      "in": "path",
      "name": "metric",
      "required": true,
      "schema": {
       "type": "string"
      }
     },
     {
      "description": "RFC 3339 (or Unix seconds); default: a day before to",
      "in": "query",
      "name": "from",
      "required": false,
      "schema": {
       "anyOf": [
        {
         "format": "date-time"
        },
        {
         "pattern": "^-?[0-9]{1,10}(\\.[0-9]{1,3})?$"
        }
       ],
       "type": "string"
      }
     },
     {
      "description": "default: now",
      "in": "query",
      "name": "to",
      "required": false,
      "schema": {
       "anyOf": [
        {
         "format": "date-time"
        },
        {
         "pattern": "^-?[0-9]{1,10}(\\.[0-9]{1,3})?$"
        }
       ],
       "type": "string"
      }
     },
     {
      "description": "seconds, or 15m, 1h, 1d",
      "in": "query",
      "name": "step",
      "required": false,
      "schema": {
       "pattern": "^[1-9][0-9]{0,6}[smhd]?$",
       "type": "string"
      }
     }
    ],
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "oneOf": [
          {
           "$ref": "#/components/schemas/SeriesRaw"
          },
          {
           "$ref": "#/components/schemas/SeriesSteps"
          }
         ]
        }
       },
       "text/csv": {
        "schema": {
         "type": "string"
        }
       }
      },
      "description": "OK"
     },
     "304": {
      "$ref": "#/components/responses/NotModified"
     },
     "400": {
      "$ref": "#/components/responses/MalformedParameter"
     },
     "404": {
      "content": {
       "application/problem+json": {
        "schema": {
         "$ref": "#/components/schemas/Problem"
        }
       }
      },
      "description": "Unknown series"
     }
    },
    "summary": "Raw samples, or steps with step=…",
    "tags": [
     "series"
    ]
   }
  },
  "/v1/status": {
   "get": {
    "responses": {
     "200": {
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Status"
        }
       }
      },
      "description": "OK"
     },
     "304": {
      "$ref": "#/components/responses/NotModified"
     }
    },
    "summary": "Everything at once: car parks, beaches, active alerts, MQTT",
    "tags": [
     "status"
    ]
   }
  }
 },
 "servers": [
  {
   "url": "http://127.0.0.1:8080"
  }
 ],
 "tags": [
  {
   "name": "status"
  },
  {
   "name": "parking"
  },
  {
   "name": "beaches"
  },
  {
   "name": "alerts"
  },
  {
   "name": "series"
  },
  {
   "name": "operator"
  },
  {
   "name": "operations"
  }
 ]
}
"""#
}
