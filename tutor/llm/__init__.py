"""Chat models: the protocol, the OpenAI-compatible client, the local llama.cpp server,
the model catalogue and the versioned prompt files."""
