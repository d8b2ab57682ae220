"""Index level: mappings, document parsing, segments, merges, storage and recovery of one shard."""
