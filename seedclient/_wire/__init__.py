"""What crosses the wire, no I/O: Structs and decoders per API, the SSE decoder, headers."""
