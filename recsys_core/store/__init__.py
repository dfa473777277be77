"""Storage: checkpoints (weights plus typed metadata, written atomically, loaded without running
code), their light-metadata sidecars (listing without weights), the model library shared by a
server's sessions, and opening a model with its dataset."""
