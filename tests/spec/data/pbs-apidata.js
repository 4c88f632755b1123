// A small hand-made schema in the shape of the Proxmox Backup Server API viewer's apidata.js
// (paths modelled on PBS: datastores, snapshots, datastore configuration). Test input for
// `oasis import proxmox`; not a copy of the real file.
const apiSchema = [
   {
      "path" : "/admin",
      "text" : "admin",
      "leaf" : 0,
      "info" : {
         "GET" : {
            "description" : "Directory index.",
            "method" : "GET",
            "parameters" : { "additionalProperties" : false, "properties" : {} },
            "permissions" : { "user" : "all" },
            "returns" : { "type" : "array", "items" : { "type" : "object", "properties" : {} }, "links" : [ { "rel" : "child", "href" : "{subdir}" } ] }
         }
      },
      "children" : [
         {
            "path" : "/admin/datastore",
            "text" : "datastore",
            "leaf" : 0,
            "info" : {
               "GET" : {
                  "description" : "List datastores.",
                  "method" : "GET",
                  "parameters" : { "additionalProperties" : false, "properties" : {} },
                  "permissions" : { "description" : "Only datastores with Datastore.Audit are listed.", "user" : "all" },
                  "returns" : {
                     "type" : "array",
                     "items" : {
                        "type" : "object",
                        "properties" : {
                           "store" : { "type" : "string", "description" : "Datastore name.", "pattern" : "(?:[A-Za-z0-9_][A-Za-z0-9._\\-]*)", "minLength" : 3, "maxLength" : 32 },
                           "comment" : { "type" : "string", "optional" : true, "description" : "Comment." },
                           "maintenance" : { "type" : "string", "optional" : true, "description" : "Maintenance mode." }
                        }
                     }
                  }
               }
            },
            "children" : [
               {
                  "path" : "/admin/datastore/{store}",
                  "text" : "{store}",
                  "leaf" : 0,
                  "children" : [
                     {
                        "path" : "/admin/datastore/{store}/snapshots",
                        "text" : "snapshots",
                        "leaf" : 1,
                        "info" : {
                           "GET" : {
                              "description" : "List backup snapshots.",
                              "method" : "GET",
                              "parameters" : {
                                 "additionalProperties" : false,
                                 "properties" : {
                                    "store" : { "type" : "string", "description" : "Datastore name.", "pattern" : "(?:[A-Za-z0-9_][A-Za-z0-9._\\-]*)", "minLength" : 3, "maxLength" : 32 },
                                    "backup-type" : { "type" : "string", "optional" : true, "description" : "Backup types.", "enum" : [ "vm", "ct", "host" ] },
                                    "backup-id" : { "type" : "string", "optional" : true, "description" : "Backup ID.", "pattern" : "(?:[A-Za-z0-9_][A-Za-z0-9._\\-]*)" },
                                    "ns" : { "type" : "string", "optional" : true, "description" : "Namespace.", "maxLength" : 256 }
                                 }
                              },
                              "permissions" : { "description" : "Requires Datastore.Audit or Datastore.Backup on /datastore/{store}.", "check" : [ "or", [ "perm", "/datastore/{store}", [ "Datastore.Audit" ] ] ] },
                              "returns" : {
                                 "type" : "array",
                                 "description" : "Returns the list of snapshots.",
                                 "items" : {
                                    "type" : "object",
                                    "properties" : {
                                       "backup-type" : { "type" : "string", "enum" : [ "vm", "ct", "host" ] },
                                       "backup-id" : { "type" : "string" },
                                       "backup-time" : { "type" : "integer", "minimum" : 0 },
                                       "size" : { "type" : "integer", "optional" : true },
                                       "protected" : { "type" : "boolean", "default" : false },
                                       "verification" : { "type" : "object", "optional" : true, "properties" : { "state" : { "type" : "string", "enum" : [ "ok", "failed" ] }, "upid" : { "type" : "string" } } }
                                    }
                                 }
                              }
                           },
                           "DELETE" : {
                              "description" : "Delete backup snapshot.",
                              "method" : "DELETE",
                              "protected" : true,
                              "parameters" : {
                                 "additionalProperties" : false,
                                 "properties" : {
                                    "store" : { "type" : "string", "description" : "Datastore name.", "pattern" : "(?:[A-Za-z0-9_][A-Za-z0-9._\\-]*)", "minLength" : 3, "maxLength" : 32 },
                                    "backup-type" : { "type" : "string", "description" : "Backup types.", "enum" : [ "vm", "ct", "host" ] },
                                    "backup-id" : { "type" : "string", "description" : "Backup ID." },
                                    "backup-time" : { "type" : "integer", "description" : "Backup time (Unix epoch).", "minimum" : 1547797308 }
                                 }
                              },
                              "permissions" : { "description" : "Requires Datastore.Modify on /datastore/{store}." },
                              "returns" : { "type" : "null" }
                           }
                        }
                     }
                  ]
               }
            ]
         }
      ]
   },
   {
      "path" : "/config",
      "text" : "config",
      "leaf" : 0,
      "children" : [
         {
            "path" : "/config/datastore",
            "text" : "datastore",
            "leaf" : 0,
            "info" : {
               "GET" : {
                  "description" : "List all datastores.",
                  "method" : "GET",
                  "parameters" : { "additionalProperties" : false, "properties" : {} },
                  "permissions" : { "user" : "all" },
                  "returns" : { "type" : "array", "items" : { "type" : "object", "additionalProperties" : true, "properties" : { "name" : { "type" : "string" }, "path" : { "type" : "string" } } } }
               },
               "POST" : {
                  "description" : "Create new datastore config.",
                  "method" : "POST",
                  "protected" : true,
                  "parameters" : {
                     "additionalProperties" : false,
                     "properties" : {
                        "name" : { "type" : "string", "description" : "Datastore name.", "pattern" : "(?:[A-Za-z0-9_][A-Za-z0-9._\\-]*)", "minLength" : 3, "maxLength" : 32 },
                        "path" : { "type" : "string", "description" : "Directory name." },
                        "comment" : { "type" : "string", "optional" : true, "description" : "Comment.", "pattern" : "[^\\x00-\\x1F\\x7F]*" },
                        "gc-schedule" : { "type" : "string", "optional" : true, "format" : "calendar-event", "typetext" : "<calendar-event>" },
                        "keep-last" : { "type" : "integer", "optional" : true, "minimum" : 1 },
                        "verify-new" : { "type" : "boolean", "optional" : true, "description" : "Verify new backups." },
                        "tuning" : {
                           "type" : "string",
                           "optional" : true,
                           "description" : "Tuning options.",
                           "typetext" : "[chunk-order=<enum>] [,sync-level=<enum>]",
                           "format" : {
                              "chunk-order" : { "type" : "string", "optional" : true, "enum" : [ "none", "inode" ] },
                              "sync-level" : { "type" : "string", "optional" : true, "enum" : [ "none", "filesystem", "file" ] }
                           }
                        }
                     }
                  },
                  "permissions" : { "check" : [ "perm", "/datastore", [ "Datastore.Allocate" ] ] },
                  "returns" : { "type" : "string", "description" : "Task UPID." }
               }
            },
            "children" : [
               {
                  "path" : "/config/datastore/{name}",
                  "text" : "{name}",
                  "leaf" : 1,
                  "info" : {
                     "GET" : {
                        "description" : "Read a datastore configuration.",
                        "method" : "GET",
                        "parameters" : { "additionalProperties" : false, "properties" : { "name" : { "type" : "string", "pattern" : "(?:[A-Za-z0-9_][A-Za-z0-9._\\-]*)", "minLength" : 3, "maxLength" : 32 } } },
                        "permissions" : { "check" : [ "perm", "/datastore/{name}", [ "Datastore.Audit" ] ] },
                        "returns" : { "type" : "object", "properties" : { "name" : { "type" : "string" }, "path" : { "type" : "string" }, "comment" : { "type" : "string", "optional" : 1 } } }
                     },
                     "PUT" : {
                        "description" : "Update datastore config.",
                        "method" : "PUT",
                        "protected" : 1,
                        "parameters" : {
                           "additionalProperties" : false,
                           "properties" : {
                              "name" : { "type" : "string", "pattern" : "(?:[A-Za-z0-9_][A-Za-z0-9._\\-]*)", "minLength" : 3, "maxLength" : 32 },
                              "comment" : { "type" : "string", "optional" : 1 },
                              "delete" : { "type" : "array", "optional" : 1, "items" : { "type" : "string", "enum" : [ "comment", "gc-schedule" ] } },
                              "digest" : { "type" : "string", "optional" : 1, "pattern" : "[a-f0-9]{64}" }
                           }
                        },
                        "permissions" : { "check" : [ "perm", "/datastore/{name}", [ "Datastore.Modify" ] ] },
                        "returns" : { "type" : "null" }
                     },
                     "DELETE" : {
                        "description" : "Remove a datastore configuration.",
                        "method" : "DELETE",
                        "protected" : 1,
                        "parameters" : {
                           "additionalProperties" : false,
                           "properties" : {
                              "name" : { "type" : "string", "pattern" : "(?:[A-Za-z0-9_][A-Za-z0-9._\\-]*)", "minLength" : 3, "maxLength" : 32 },
                              "destroy-data" : { "type" : "boolean", "optional" : 1, "default" : false }
                           }
                        },
                        "permissions" : { "check" : [ "perm", "/datastore/{name}", [ "Datastore.Allocate" ] ] },
                        "returns" : { "type" : "string", "description" : "Task UPID." }
                     }
                  }
               }
            ]
         }
      ]
   },
   {
      "path" : "/ping",
      "text" : "ping",
      "leaf" : 1,
      "info" : {
         "GET" : {
            "description" : "Dummy method which replies with `{ \"pong\": True }`",
            "method" : "GET",
            "parameters" : { "additionalProperties" : false, "properties" : {} },
            "permissions" : { "user" : "world" },
            "returns" : { "type" : "object", "properties" : { "pong" : { "type" : "boolean" } } }
         }
      }
   }
];
