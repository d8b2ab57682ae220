"""The node's plugins, mounted in one list (see :mod:`.registry`)."""
