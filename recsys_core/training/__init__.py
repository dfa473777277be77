"""Training: how a model is trained (TrainConfig), the loop and its parts (batching, weight
averaging, early stopping), evaluation and ranking metrics, the device, and train-evaluate-save."""
