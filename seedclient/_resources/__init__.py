"""The resources: ``client.chat``, ``images``, ``embeddings``, ``models``: parameters in,
wire types out, streams on the EventStream; they see the Requester, never the client."""
