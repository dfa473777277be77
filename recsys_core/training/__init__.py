"""Training: how a model is trained (TrainConfig), the loop and its parts (batching, weight
averaging, early stopping), evaluation and ranking metrics, the device, train-evaluate-save, the
process-wide settings a training process makes at its entry point (process, heap), and the app's
training queue with its worker process (pool, worker)."""
