"""Trusted warm-up for spectrogram_features: librosa's numba functions compiled once.

Run by the grader (never shipped to students) to fill the numba cache, and by a warm template
whose workers may use librosa. This assignment's questions all withhold librosa, so graded
workers never see it; the cache serves tools that run librosa next to the grader.
"""

import librosa
import numpy as np

y = np.random.default_rng(0).normal(size=8000)
for dtype in (np.float32, np.float64):
    x = y.astype(dtype)
    S = np.abs(librosa.stft(x, n_fft=512)) ** 2
    librosa.power_to_db(S)
    librosa.amplitude_to_db(np.sqrt(S))
    librosa.feature.melspectrogram(y=x, sr=16000, n_fft=512)
    librosa.feature.mfcc(y=x, sr=16000, n_fft=512)
    librosa.feature.spectral_centroid(y=x, sr=16000)
