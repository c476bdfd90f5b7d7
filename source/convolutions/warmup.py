"""Trusted warm-up for convolutions: one real training step of a small CNN.

Run by the warm template of the workers that may use torch (the `cnn` question), before it forks
them: the first optimizer step lazily imports torch._dynamo, sympy and more, which would
otherwise cost every submission seconds. Never shipped to students.
"""

import torch
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)
model = torch.nn.Sequential(
    torch.nn.Conv2d(1, 2, 3, padding=1), torch.nn.BatchNorm2d(2), torch.nn.ReLU(),
    torch.nn.MaxPool2d(2), torch.nn.Dropout(0.1), torch.nn.Flatten(), torch.nn.Linear(32, 3))
data = DataLoader(TensorDataset(torch.zeros(4, 1, 8, 8), torch.zeros(4).long()), 2)
for optimizer in (torch.optim.Adam(model.parameters()), torch.optim.SGD(model.parameters(), 0.1)):
    for xb, yb in data:
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(xb), yb).backward()
        optimizer.step()
model.eval()
with torch.no_grad():
    model(torch.zeros(1, 1, 8, 8)).argmax(1)
