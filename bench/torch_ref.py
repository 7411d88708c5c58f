"""PyTorch on the CPU, as one would write it: autograd for the backward pass,
float64, examples as rows (torch's own layout), an in-place SGD update.

Imported only when torch is installed; run.py leaves its column out otherwise.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


class Torch:
    def __init__(self, X, Y, params, activations, loss, lr, threads: int):
        if any(a != "relu" for a in activations[:-1]):
            raise ValueError("the PyTorch reference has ReLU hidden layers only")
        torch.set_num_threads(threads)
        self.A0 = torch.from_numpy(np.ascontiguousarray(X.T).copy())
        self.L = len(activations)
        self.W = [torch.tensor(params[f"W[{l}]"], requires_grad=True)
                  for l in range(1, self.L + 1)]
        self.b = [torch.tensor(params[f"b[{l}]"].ravel(), requires_grad=True)
                  for l in range(1, self.L + 1)]
        self.hidden = activations[:-1]
        if loss == "binary_cross_entropy":
            self.Y = torch.from_numpy(np.ascontiguousarray(Y.T).copy())
            self.cost = F.binary_cross_entropy_with_logits
        else:  # cross_entropy with a softmax output: class indices
            self.Y = torch.from_numpy(np.argmax(Y, axis=0))
            self.cost = F.cross_entropy
        self.lr = lr
        self.loss_history: list[float] = []
        self.params = self.W + self.b

    def train(self, n: int) -> None:
        W, b, A0, Y, lr, cost, history = self.W, self.b, self.A0, self.Y, self.lr, self.cost, \
            self.loss_history
        last = self.L - 1
        for _ in range(n):
            A = A0
            for l in range(last):
                A = torch.relu(F.linear(A, W[l], b[l]))
            J = cost(F.linear(A, W[last], b[last]), Y)  # the output activation is in the loss
            J.backward()
            with torch.no_grad():
                for p in self.params:
                    p -= lr * p.grad
                    p.grad = None
            history.append(J.item())
