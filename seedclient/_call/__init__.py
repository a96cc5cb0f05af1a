"""One logical call over a transport: the Requester, Call (attempts under one deadline),
retries, deadlines, and the EventStream under every stream kind."""
