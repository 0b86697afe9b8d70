"""Services: the only code that changes data (permission → validate → mutate → audit → outbox,
inside ``unit_of_work()``), plus the read queries the views need. Used by web, API and CLI alike;
never reads ``flask.request`` and never calls ``abort()``."""
