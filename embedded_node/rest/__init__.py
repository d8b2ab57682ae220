"""The REST API of the embedded node (router and handlers)."""
