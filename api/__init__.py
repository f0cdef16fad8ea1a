"""The HTTP and websocket adapter: parse, call the domain, map errors."""
