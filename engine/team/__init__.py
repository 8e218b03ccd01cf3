"""The team library's server side: users, groups and tokens (directory), what a user may
read (access), and the HTTP API over ``engine.library.Library`` (api, server).

Nothing here imports Qt; the API reaches the engine only through ``Library``."""
