"""Search in the embedded node: request parsing, the query DSL, execution and the fetch phase."""
