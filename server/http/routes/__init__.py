"""HTTP routes, one ``RouteTableDef`` per module; every handler declares who may
call it (:mod:`server.http.access`)."""
