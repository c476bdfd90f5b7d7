"""The course's synthetic 5-class sound set, and log-mel features for it (NumPy only, offline).

Every clip is 1 s at 16 kHz: one sound event with a random onset, length and gain, on top of
background noise at a random level. The five classes:

    0 tone        a steady sine (optionally with a weak 2nd harmonic)
    1 chirp       a sine whose frequency glides (up or down) over at least an octave
    2 noise       a burst of band-limited noise with soft edges
    3 clicks      a click train: short decaying clicks at a steady rate (4-25 per second)
    4 am_tone     a sine whose loudness pulses at 3-12 Hz (amplitude modulation)

    waves, labels = make_sound_set(n_per_class=20, seed=0)   # (100, 16000) float32, (100,) int64
    X = log_mel_features(waves)                               # (100, 40, 63) float32, in dB

The same seed always gives the same clips, on any machine (NumPy's PCG64 generator).
"""

from __future__ import annotations

import numpy as np

SR = 16000
DURATION = 1.0
CLASS_NAMES = ("tone", "chirp", "noise", "clicks", "am_tone")
N_FFT = 512
HOP_LENGTH = 256
N_MELS = 40


def _envelope(n: int, rng: np.random.Generator, ramp_s: float = 0.01) -> np.ndarray:
    """Flat envelope with short raised-cosine fade-in and fade-out (no clicks at the edges)."""
    r = max(1, min(n // 2, int(ramp_s * SR)))
    env = np.ones(n)
    fade = 0.5 - 0.5 * np.cos(np.pi * np.arange(r) / r)
    env[:r] *= fade
    env[n - r:] *= fade[::-1]
    return env


def _log_uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def _event(label: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """One sound event of n samples, peak amplitude about 1."""
    t = np.arange(n) / SR
    phase0 = rng.uniform(0, 2 * np.pi)
    if label == 0:  # tone
        f = _log_uniform(rng, 200.0, 3000.0)
        y = np.sin(2 * np.pi * f * t + phase0)
        y += rng.uniform(0.0, 0.3) * np.sin(4 * np.pi * f * t + phase0)
        y *= _envelope(n, rng)
    elif label == 1:  # chirp: exponential sweep over at least an octave, up or down
        f0 = _log_uniform(rng, 150.0, 1000.0)
        f1 = f0 * _log_uniform(rng, 2.0, 6.0)
        if rng.random() < 0.5:
            f0, f1 = f1, f0
        k = np.log(f1 / f0) / max(t[-1], 1e-3)
        y = np.sin(2 * np.pi * f0 * (np.exp(k * t) - 1.0) / k + phase0)
        y *= _envelope(n, rng)
    elif label == 2:  # noise burst, band-limited in the frequency domain
        spec = np.fft.rfft(rng.standard_normal(n))
        freqs = np.fft.rfftfreq(n, 1.0 / SR)
        lo = _log_uniform(rng, 100.0, 2000.0)
        hi = min(lo * _log_uniform(rng, 2.0, 8.0), 7900.0)
        spec[(freqs < lo) | (freqs > hi)] = 0.0
        y = np.fft.irfft(spec, n)
        y /= np.max(np.abs(y)) + 1e-12
        y *= _envelope(n, rng, ramp_s=0.03)
    elif label == 3:  # click train
        rate = rng.uniform(4.0, 25.0)
        period = int(SR / rate)
        click_len = int(0.004 * SR)
        decay = np.exp(-np.arange(click_len) / (0.0008 * SR))
        y = np.zeros(n)
        start = int(rng.integers(0, max(1, period // 2)))
        for s in range(start, n, period):
            m = min(click_len, n - s)
            y[s:s + m] += rng.standard_normal(m) * decay[:m]
        y /= np.max(np.abs(y)) + 1e-12
    elif label == 4:  # amplitude-modulated tone
        f = _log_uniform(rng, 200.0, 3000.0)
        fm = rng.uniform(3.0, 12.0)
        depth = rng.uniform(0.7, 1.0)
        mod = 1.0 - depth * 0.5 * (1.0 + np.cos(2 * np.pi * fm * t + rng.uniform(0, 2 * np.pi)))
        y = mod * np.sin(2 * np.pi * f * t + phase0) * _envelope(n, rng)
    else:
        raise ValueError(f"unknown class {label}")
    return y


def make_clip(label: int, rng: np.random.Generator) -> np.ndarray:
    """One 1-second clip of class `label` (float64): event at a random onset, gain and noise."""
    n_total = int(SR * DURATION)
    n = int(rng.uniform(0.35, 0.8) * n_total)
    onset = int(rng.integers(0, n_total - n + 1))
    gain = _log_uniform(rng, 0.05, 0.8)
    clip = np.zeros(n_total)
    clip[onset:onset + n] = gain * _event(label, n, rng)
    snr_db = rng.uniform(10.0, 30.0)
    noise_rms = gain / np.sqrt(2.0) / 10 ** (snr_db / 20)
    clip += noise_rms * rng.standard_normal(n_total)
    return clip


def make_sound_set(n_per_class: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`n_per_class` clips of each class, shuffled: waves (N, 16000) float32 and labels (N,) int64."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(len(CLASS_NAMES)), n_per_class)
    rng.shuffle(labels)
    waves = np.stack([make_clip(int(k), rng) for k in labels]).astype(np.float32)
    return waves, labels.astype(np.int64)


def mel_frequencies_htk(n: int, fmin: float, fmax: float) -> np.ndarray:
    """n frequencies equally spaced on the HTK mel scale m = 2595 log10(1 + f/700)."""
    m = np.linspace(2595 * np.log10(1 + fmin / 700), 2595 * np.log10(1 + fmax / 700), n)
    return 700 * (10 ** (m / 2595) - 1)


def mel_triangles(sr: int = SR, n_fft: int = N_FFT, n_mels: int = N_MELS) -> np.ndarray:
    """(n_mels, 1 + n_fft//2) triangular filters, peak 1, on the HTK mel scale (no area norm)."""
    edges = mel_frequencies_htk(n_mels + 2, 0.0, sr / 2)
    freqs = np.linspace(0, sr / 2, 1 + n_fft // 2)
    lower = (freqs[None, :] - edges[:-2, None]) / (edges[1:-1, None] - edges[:-2, None])
    upper = (edges[2:, None] - freqs[None, :]) / (edges[2:, None] - edges[1:-1, None])
    return np.maximum(0.0, np.minimum(lower, upper))


def log_mel(y: np.ndarray, sr: int = SR, n_fft: int = N_FFT, hop_length: int = HOP_LENGTH,
            n_mels: int = N_MELS) -> np.ndarray:
    """Log-mel power spectrogram in dB of one clip: (n_mels, 1 + len(y)//hop_length).

    Centered frames (zero padding of n_fft//2 on both sides), periodic Hann window,
    power spectrum, triangular mel filters, 10*log10 with a floor at 1e-10.
    """
    y = np.asarray(y, dtype=np.float64)
    padded = np.pad(y, n_fft // 2)
    n_frames = 1 + (len(padded) - n_fft) // hop_length
    idx = np.arange(n_fft)[None, :] + hop_length * np.arange(n_frames)[:, None]
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)
    power = np.abs(np.fft.rfft(padded[idx] * window, axis=1)) ** 2
    mel = mel_triangles(sr, n_fft, n_mels) @ power.T
    return (10.0 * np.log10(np.maximum(mel, 1e-10))).astype(np.float32)


def log_mel_features(waves: np.ndarray, **kwargs) -> np.ndarray:
    """Log-mel features of a batch of clips: (N, n_mels, T) float32."""
    return np.stack([log_mel(w, **kwargs) for w in np.asarray(waves)])
