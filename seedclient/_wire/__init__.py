"""What crosses the wire, with no I/O: Structs and decoders per API, the SSE decoder,
headers and error bodies."""
