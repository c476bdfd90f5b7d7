"""Quality proof for the gradient_descent assignment: the reference earns full marks, and every
common student mistake (one mutant per trap) loses points on the question it belongs to."""

from __future__ import annotations

import pytest

AID = "gradient_descent"
QUESTIONS = ("activations", "losses", "gradient_descent", "backprop")

# (mutant id, question that must lose points, replaced definitions)
MUTANTS = [
    ("sigmoid_naive_overflow", "activations", {"sigmoid": '''
def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))
'''}),
    ("sigmoid_ratio_nan", "activations", {"sigmoid": '''
def sigmoid(z):
    e = np.exp(np.asarray(z, dtype=float))
    return e / (1.0 + e)
'''}),
    ("sigmoid_grad_applied_to_z", "activations", {"sigmoid_grad": '''
def sigmoid_grad(z):
    z = np.asarray(z, dtype=float)
    return z * (1 - z)
'''}),
    ("sigmoid_grad_unstable_formula", "activations", {"sigmoid_grad": '''
def sigmoid_grad(z):
    e = np.exp(-np.asarray(z, dtype=float))
    return e / (1 + e) ** 2
'''}),
    ("relu_grad_one_at_zero", "activations", {"relu_grad": '''
def relu_grad(z):
    return (np.asarray(z, dtype=float) >= 0).astype(float)
'''}),
    ("relu_grad_returns_bool", "activations", {"relu_grad": '''
def relu_grad(z):
    return np.asarray(z) > 0
'''}),
    ("relu_in_place", "activations", {"relu": '''
def relu(z):
    z[z < 0] = 0.0
    return z
'''}),
    ("tanh_grad_applied_to_z", "activations", {"tanh_grad": '''
def tanh_grad(z):
    z = np.asarray(z, dtype=float)
    return 1 - z ** 2
'''}),
    ("bce_sum_not_mean", "losses", {"bce_loss": '''
def bce_loss(y_hat, y, eps=1e-12):
    y_hat = np.clip(np.asarray(y_hat, dtype=float), eps, 1 - eps)
    return float(-np.sum(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)))
'''}),
    ("bce_no_clipping", "losses", {"bce_loss": '''
def bce_loss(y_hat, y, eps=1e-12):
    y_hat = np.asarray(y_hat, dtype=float)
    return float(-np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)))
'''}),
    ("bce_wrong_sign", "losses", {"bce_loss": '''
def bce_loss(y_hat, y, eps=1e-12):
    y_hat = np.clip(np.asarray(y_hat, dtype=float), eps, 1 - eps)
    return float(np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)))
'''}),
    ("bce_clip_in_place", "losses", {"bce_loss": '''
def bce_loss(y_hat, y, eps=1e-12):
    np.clip(y_hat, eps, 1 - eps, out=y_hat)
    return float(-np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat)))
'''}),
    ("bce_grad_wrt_logits", "losses", {"bce_grad": '''
def bce_grad(y_hat, y, eps=1e-12):
    y_hat = np.clip(np.asarray(y_hat, dtype=float), eps, 1 - eps)
    return (y_hat - y) / y_hat.size
'''}),
    ("bce_grad_sum_not_mean", "losses", {"bce_grad": '''
def bce_grad(y_hat, y, eps=1e-12):
    y_hat = np.clip(np.asarray(y_hat, dtype=float), eps, 1 - eps)
    return -y / y_hat + (1 - y) / (1 - y_hat)
'''}),
    ("bce_grad_no_clipping", "losses", {"bce_grad": '''
def bce_grad(y_hat, y, eps=1e-12):
    y_hat = np.asarray(y_hat, dtype=float)
    return (-y / y_hat + (1 - y) / (1 - y_hat)) / y_hat.size
'''}),
    ("mse_sum_not_mean", "losses", {"mse_loss": '''
def mse_loss(y_hat, y):
    return float(np.sum((np.asarray(y_hat) - np.asarray(y)) ** 2))
'''}),
    ("linreg_forgot_bias", "losses", {"linreg_grad": '''
def linreg_grad(w, b, X, y):
    r = X @ w - y
    return X.T @ r / len(y), float(np.mean(r))
'''}),
    ("linreg_wrong_sign", "losses", {"linreg_grad": '''
def linreg_grad(w, b, X, y):
    r = y - (X @ w + b)
    return X.T @ r / len(y), float(np.mean(r))
'''}),
    ("gd_in_place_theta0", "gradient_descent", {"gradient_descent": '''
def gradient_descent(grad_fn, theta0, lr, n_steps):
    theta = np.asarray(theta0, dtype=float)
    history = [theta.copy()]
    for _ in range(n_steps):
        theta -= lr * grad_fn(theta)
        history.append(theta.copy())
    return theta, np.array(history)
'''}),
    ("gd_history_without_theta0", "gradient_descent", {"gradient_descent": '''
def gradient_descent(grad_fn, theta0, lr, n_steps):
    theta = np.array(theta0, dtype=float)
    history = []
    for _ in range(n_steps):
        theta = theta - lr * grad_fn(theta)
        history.append(theta)
    return theta, np.array(history)
'''}),
    ("gd_history_aliasing", "gradient_descent", {"gradient_descent": '''
def gradient_descent(grad_fn, theta0, lr, n_steps):
    theta = np.array(theta0, dtype=float)
    history = [theta]
    for _ in range(n_steps):
        theta -= lr * grad_fn(theta)
        history.append(theta)
    return theta, np.array(history)
'''}),
    ("gd_gradient_ascent", "gradient_descent", {"gradient_descent": '''
def gradient_descent(grad_fn, theta0, lr, n_steps):
    theta = np.array(theta0, dtype=float)
    history = [theta.copy()]
    for _ in range(n_steps):
        theta = theta + lr * grad_fn(theta)
        history.append(theta.copy())
    return theta, np.array(history)
'''}),
    ("logreg_forgot_bias", "gradient_descent", {"fit_logistic_regression": '''
def fit_logistic_regression(X, y, lr=0.1, n_steps=1000):
    w = np.zeros(X.shape[1])
    losses = []
    for _ in range(n_steps):
        p = sigmoid(X @ w)
        losses.append(bce_loss(p, y))
        w = w - lr * X.T @ (p - y) / len(y)
    return w, 0.0, np.array(losses)
'''}),
    ("logreg_loss_after_step", "gradient_descent", {"fit_logistic_regression": '''
def fit_logistic_regression(X, y, lr=0.1, n_steps=1000):
    w, b = np.zeros(X.shape[1]), 0.0
    losses = []
    for _ in range(n_steps):
        p = sigmoid(X @ w + b)
        w = w - lr * X.T @ (p - y) / len(y)
        b = b - lr * float(np.mean(p - y))
        losses.append(bce_loss(sigmoid(X @ w + b), y))
    return w, b, np.array(losses)
'''}),
    ("logreg_sum_gradient", "gradient_descent", {"fit_logistic_regression": '''
def fit_logistic_regression(X, y, lr=0.1, n_steps=1000):
    w, b = np.zeros(X.shape[1]), 0.0
    losses = []
    for _ in range(n_steps):
        p = sigmoid(X @ w + b)
        losses.append(bce_loss(p, y))
        w = w - lr * X.T @ (p - y)
        b = b - lr * float(np.sum(p - y))
    return w, b, np.array(losses)
'''}),
    ("mlp_forgot_relu_mask", "backprop", {"mlp2_forward_backward": '''
def mlp2_forward_backward(X, y, W1, b1, W2, b2):
    n = X.shape[0]
    z1 = X @ W1 + b1
    h = relu(z1)
    p = sigmoid(h @ W2 + b2)
    dz2 = (p - y) / n
    dz1 = np.outer(dz2, W2)
    grads = {"W1": X.T @ dz1, "b1": dz1.sum(axis=0), "W2": h.T @ dz2, "b2": float(dz2.sum())}
    return bce_loss(p, y), grads
'''}),
    ("mlp_relu_mask_ge_zero", "backprop", {"mlp2_forward_backward": '''
def mlp2_forward_backward(X, y, W1, b1, W2, b2):
    n = X.shape[0]
    z1 = X @ W1 + b1
    h = relu(z1)
    p = sigmoid(h @ W2 + b2)
    dz2 = (p - y) / n
    dz1 = np.outer(dz2, W2) * (z1 >= 0)
    grads = {"W1": X.T @ dz1, "b1": dz1.sum(axis=0), "W2": h.T @ dz2, "b2": float(dz2.sum())}
    return bce_loss(p, y), grads
'''}),
    ("mlp_transposed_dW1", "backprop", {"mlp2_forward_backward": '''
def mlp2_forward_backward(X, y, W1, b1, W2, b2):
    n = X.shape[0]
    z1 = X @ W1 + b1
    h = relu(z1)
    p = sigmoid(h @ W2 + b2)
    dz2 = (p - y) / n
    dz1 = np.outer(dz2, W2) * relu_grad(z1)
    grads = {"W1": dz1.T @ X, "b1": dz1.sum(axis=0), "W2": h.T @ dz2, "b2": float(dz2.sum())}
    return bce_loss(p, y), grads
'''}),
    ("mlp_forgot_bias_b1", "backprop", {"mlp2_forward_backward": '''
def mlp2_forward_backward(X, y, W1, b1, W2, b2):
    n = X.shape[0]
    z1 = X @ W1
    h = relu(z1)
    p = sigmoid(h @ W2 + b2)
    dz2 = (p - y) / n
    dz1 = np.outer(dz2, W2) * relu_grad(z1)
    grads = {"W1": X.T @ dz1, "b1": dz1.sum(axis=0), "W2": h.T @ dz2, "b2": float(dz2.sum())}
    return bce_loss(p, y), grads
'''}),
    ("mlp_sum_not_mean", "backprop", {"mlp2_forward_backward": '''
def mlp2_forward_backward(X, y, W1, b1, W2, b2):
    z1 = X @ W1 + b1
    h = relu(z1)
    p = sigmoid(h @ W2 + b2)
    dz2 = p - y
    dz1 = np.outer(dz2, W2) * relu_grad(z1)
    grads = {"W1": X.T @ dz1, "b1": dz1.sum(axis=0), "W2": h.T @ dz2, "b2": float(dz2.sum())}
    return bce_loss(p, y), grads
'''}),
    ("numgrad_forward_differences", "backprop", {"numerical_gradient": '''
def numerical_gradient(f, x, h=1e-5):
    x = np.array(x, dtype=float)
    fx = f(x)
    grad = np.zeros_like(x)
    for j in np.ndindex(x.shape):
        xp = x.copy()
        xp[j] += h
        grad[j] = (f(xp) - fx) / h
    return grad
'''}),
    ("numgrad_modifies_x", "backprop", {"numerical_gradient": '''
def numerical_gradient(f, x, h=1e-5):
    grad = np.zeros_like(x, dtype=float)
    for j in np.ndindex(x.shape):
        x[j] += h
        f_plus = f(x)
        x[j] -= 2 * h
        f_minus = f(x)
        x[j] += h
        grad[j] = (f_plus - f_minus) / (2 * h)
    return grad
'''}),
    ("numgrad_ignores_h", "backprop", {"numerical_gradient": '''
def numerical_gradient(f, x, h=1e-5):
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for j in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[j] = 1e-5
        grad[j] = (f(x + e) - f(x - e)) / 2e-5
    return grad
'''}),
    ("forbidden_torch_sigmoid", "activations", {"sigmoid": '''
def sigmoid(z):
    import torch
    return torch.sigmoid(torch.as_tensor(np.asarray(z, dtype=float))).numpy()
'''}),
]


def test_reference_full_marks(grade_variant):
    result = grade_variant(AID, {})
    assert result.status == "graded", result.message
    assert result.score == result.max_score, [
        (t.name, t.output) for t in result.tests if t.status != "passed"]
    assert set(result.questions) == set(QUESTIONS)


@pytest.mark.parametrize(("question", "replacements"),
                         [pytest.param(q, r, id=name) for name, q, r in MUTANTS])
def test_mutant_loses_points(grade_variant, question, replacements):
    result = grade_variant(AID, replacements, questions={question})
    assert result.status == "graded", result.message
    q = result.questions[question]
    assert q.score < q.max_score, f"mutant scored {q.score}/{q.max_score} on {question}"
