"""Quality proof for spectrogram_features: realistic wrong implementations lose points.

Each mutant replaces one or two notebook functions with a plausible student mistake (one per
classic pitfall of a question, plus forbidden-module use in several spellings) and is graded by
the real engine on the question it belongs to. It must be graded, lose points on that question,
and (where a message should name the mistake) some test's message must contain the expected words.
"""

from __future__ import annotations

import pytest

ASSIGNMENT = "spectrogram_features"
QUESTIONS = ("framing", "stft", "decibels", "mel", "mfcc")

# id -> (question, {function: full replacement source}, words a failing message must contain)
MUTANTS: dict[str, tuple[str, dict[str, str], str | None]] = {
    "frame_transposed": ("framing", {"frame_signal": '''
def frame_signal(x, frame_length, hop_length):
    x = np.asarray(x)
    if x.ndim != 1 or len(x) < frame_length:
        raise ValueError("bad input")
    n_frames = 1 + (len(x) - frame_length) // hop_length
    return np.stack([x[t * hop_length:t * hop_length + frame_length] for t in range(n_frames)])
'''}, "frames are the COLUMNS"),
    "frame_count_off_by_one": ("framing", {"frame_signal": '''
def frame_signal(x, frame_length, hop_length):
    x = np.asarray(x)
    if x.ndim != 1 or len(x) < frame_length:
        raise ValueError("bad input")
    n_frames = (len(x) - frame_length) // hop_length
    idx = np.arange(frame_length)[:, None] + hop_length * np.arange(n_frames)[None, :]
    return x[idx]
'''}, "one frame short"),
    "frame_pads_last_frame": ("framing", {"frame_signal": '''
def frame_signal(x, frame_length, hop_length):
    x = np.asarray(x)
    if x.ndim != 1:
        raise ValueError("x must be 1-D")
    n_frames = max(1, int(np.ceil((len(x) - frame_length) / hop_length)) + 1)
    x = np.pad(x, (0, (n_frames - 1) * hop_length + frame_length - len(x)))
    idx = np.arange(frame_length)[:, None] + hop_length * np.arange(n_frames)[None, :]
    return x[idx]
'''}, "one frame too many"),
    "frame_no_checks": ("framing", {"frame_signal": '''
def frame_signal(x, frame_length, hop_length):
    x = np.ravel(x)
    n_frames = max(0, 1 + (len(x) - frame_length) // hop_length)
    idx = np.arange(frame_length)[:, None] + hop_length * np.arange(n_frames)[None, :]
    return x[idx]
'''}, "must raise ValueError"),
    "hann_symmetric": ("framing", {"hann_window": '''
def hann_window(n, periodic=True):
    return np.hanning(n)
'''}, "symmetric window"),
    "hann_ignores_periodic_flag": ("framing", {"hann_window": '''
def hann_window(n, periodic=True):
    k = np.arange(n)
    return 0.5 - 0.5 * np.cos(2 * np.pi * k / n)
'''}, "periodic=False"),
    "stft_no_center_padding": ("stft", {"stft": '''
def stft(y, n_fft=2048, hop_length=None, win_length=None, center=True, pad_mode="constant"):
    y = np.asarray(y)
    win_length = n_fft if win_length is None else win_length
    hop_length = win_length // 4 if hop_length is None else hop_length
    window = np.zeros(n_fft)
    left = (n_fft - win_length) // 2
    window[left:left + win_length] = hann_window(win_length)
    frames = frame_signal(y, n_fft, hop_length)
    S = np.fft.rfft(window[:, None] * frames, axis=0)
    return S.astype(np.complex64 if y.dtype == np.float32 else np.complex128)
'''}, "pad by n_fft//2 on both sides"),
    "stft_reflect_padding": ("stft", {"stft": '''
def stft(y, n_fft=2048, hop_length=None, win_length=None, center=True, pad_mode="constant"):
    y = np.asarray(y)
    win_length = n_fft if win_length is None else win_length
    hop_length = win_length // 4 if hop_length is None else hop_length
    window = np.zeros(n_fft)
    left = (n_fft - win_length) // 2
    window[left:left + win_length] = hann_window(win_length)
    if center:
        y = np.pad(y, n_fft // 2, mode="reflect")
    S = np.fft.rfft(window[:, None] * frame_signal(y, n_fft, hop_length), axis=0)
    return S.astype(np.complex64 if y.dtype == np.float32 else np.complex128)
'''}, "reflect padding"),
    "stft_full_fft": ("stft", {"stft": '''
def stft(y, n_fft=2048, hop_length=None, win_length=None, center=True, pad_mode="constant"):
    y = np.asarray(y)
    win_length = n_fft if win_length is None else win_length
    hop_length = win_length // 4 if hop_length is None else hop_length
    window = np.zeros(n_fft)
    left = (n_fft - win_length) // 2
    window[left:left + win_length] = hann_window(win_length)
    if center:
        y = np.pad(y, n_fft // 2, mode=pad_mode)
    S = np.fft.fft(window[:, None] * frame_signal(y, n_fft, hop_length), axis=0)
    return S.astype(np.complex64 if y.dtype == np.float32 else np.complex128)
'''}, "np.fft.rfft"),
    "stft_symmetric_window": ("stft", {"stft": '''
def stft(y, n_fft=2048, hop_length=None, win_length=None, center=True, pad_mode="constant"):
    y = np.asarray(y)
    win_length = n_fft if win_length is None else win_length
    hop_length = win_length // 4 if hop_length is None else hop_length
    window = np.zeros(n_fft)
    left = (n_fft - win_length) // 2
    window[left:left + win_length] = np.hanning(win_length)
    if center:
        y = np.pad(y, n_fft // 2, mode=pad_mode)
    S = np.fft.rfft(window[:, None] * frame_signal(y, n_fft, hop_length), axis=0)
    return S.astype(np.complex64 if y.dtype == np.float32 else np.complex128)
'''}, "symmetric window"),
    "stft_window_not_centred": ("stft", {"stft": '''
def stft(y, n_fft=2048, hop_length=None, win_length=None, center=True, pad_mode="constant"):
    y = np.asarray(y)
    win_length = n_fft if win_length is None else win_length
    hop_length = win_length // 4 if hop_length is None else hop_length
    window = np.zeros(n_fft)
    window[:win_length] = hann_window(win_length)
    if center:
        y = np.pad(y, n_fft // 2, mode=pad_mode)
    S = np.fft.rfft(window[:, None] * frame_signal(y, n_fft, hop_length), axis=0)
    return S.astype(np.complex64 if y.dtype == np.float32 else np.complex128)
'''}, "CENTRED"),
    "stft_ignores_win_length": ("stft", {"stft": '''
def stft(y, n_fft=2048, hop_length=None, win_length=None, center=True, pad_mode="constant"):
    y = np.asarray(y)
    hop_length = n_fft // 4 if hop_length is None else hop_length
    if center:
        y = np.pad(y, n_fft // 2, mode=pad_mode)
    frames = frame_signal(y, n_fft, hop_length)
    S = np.fft.rfft(hann_window(n_fft)[:, None] * frames, axis=0)
    return S.astype(np.complex64 if y.dtype == np.float32 else np.complex128)
'''}, "not n_fft"),
    "stft_default_hop_from_n_fft": ("stft", {"stft": '''
def stft(y, n_fft=2048, hop_length=None, win_length=None, center=True, pad_mode="constant"):
    y = np.asarray(y)
    win_length = n_fft if win_length is None else win_length
    hop_length = n_fft // 4 if hop_length is None else hop_length
    window = np.zeros(n_fft)
    left = (n_fft - win_length) // 2
    window[left:left + win_length] = hann_window(win_length)
    if center:
        y = np.pad(y, n_fft // 2, mode=pad_mode)
    S = np.fft.rfft(window[:, None] * frame_signal(y, n_fft, hop_length), axis=0)
    return S.astype(np.complex64 if y.dtype == np.float32 else np.complex128)
'''}, "hop_length defaults to win_length//4"),
    "stft_always_complex128": ("stft", {"stft": '''
def stft(y, n_fft=2048, hop_length=None, win_length=None, center=True, pad_mode="constant"):
    y = np.asarray(y, dtype=np.float64)
    win_length = n_fft if win_length is None else win_length
    hop_length = win_length // 4 if hop_length is None else hop_length
    window = np.zeros(n_fft)
    left = (n_fft - win_length) // 2
    window[left:left + win_length] = hann_window(win_length)
    if center:
        y = np.pad(y, n_fft // 2, mode=pad_mode)
    return np.fft.rfft(window[:, None] * frame_signal(y, n_fft, hop_length), axis=0)
'''}, "float32 input gives a complex64 result"),
    "stft_import_librosa_inside": ("stft", {"stft": '''
def stft(y, n_fft=2048, hop_length=None, win_length=None, center=True, pad_mode="constant"):
    import librosa
    return librosa.stft(np.asarray(y), n_fft=n_fft, hop_length=hop_length,
                        win_length=win_length, center=center, pad_mode=pad_mode)
'''}, "librosa may not be used"),
    "stft_from_librosa_import_as": ("stft", {"stft": '''
def stft(y, n_fft=2048, hop_length=None, win_length=None, center=True, pad_mode="constant"):
    from librosa import stft as s
    return s(np.asarray(y), n_fft=n_fft, hop_length=hop_length, win_length=win_length,
             center=center, pad_mode=pad_mode)
'''}, "librosa may not be used"),
    "stft_librosa_via_sys_modules": ("stft", {"stft": '''
def stft(y, n_fft=2048, hop_length=None, win_length=None, center=True, pad_mode="constant"):
    import sys
    lib = sys.modules["libro" + "sa"]  # hidden from the static check: the worker has no librosa
    return lib.stft(np.asarray(y), n_fft=n_fft, hop_length=hop_length, win_length=win_length,
                    center=center, pad_mode=pad_mode)
'''}, "`stft` used librosa, but librosa may not be used"),
    "db_20_log10": ("decibels", {"power_to_db": '''
def power_to_db(S, ref=1.0, amin=1e-10, top_db=80.0):
    magnitude = np.abs(np.asarray(S))
    ref_value = ref(magnitude) if callable(ref) else np.abs(ref)
    log_spec = 20.0 * np.log10(np.maximum(amin, magnitude))
    log_spec = log_spec - 20.0 * np.log10(np.maximum(amin, ref_value))
    if top_db is not None:
        log_spec = np.maximum(log_spec, log_spec.max() - top_db)
    return log_spec
'''}, "not 20·log10"),
    "db_amplitude_uses_10_log10": ("decibels", {"amplitude_to_db": '''
def amplitude_to_db(S, ref=1.0, amin=1e-5, top_db=80.0):
    return power_to_db(np.abs(S), ref=ref, amin=amin, top_db=top_db)
'''}, "20·log10 (10·log10 of the squared"),
    "db_amin_not_squared": ("decibels", {"amplitude_to_db": '''
def amplitude_to_db(S, ref=1.0, amin=1e-5, top_db=80.0):
    magnitude = np.abs(np.asarray(S))
    ref_value = ref(magnitude) if callable(ref) else np.abs(ref)
    return power_to_db(magnitude**2, ref=ref_value**2, amin=amin, top_db=top_db)
'''}, "amin**2"),
    "db_top_db_absolute": ("decibels", {"power_to_db": '''
def power_to_db(S, ref=1.0, amin=1e-10, top_db=80.0):
    magnitude = np.abs(np.asarray(S))
    ref_value = ref(magnitude) if callable(ref) else np.abs(ref)
    log_spec = 10.0 * np.log10(np.maximum(amin, magnitude))
    log_spec = log_spec - 10.0 * np.log10(np.maximum(amin, ref_value))
    if top_db is not None:
        log_spec = np.maximum(log_spec, -top_db)
    return log_spec
'''}, "not at -top_db"),
    "db_no_top_db_clipping": ("decibels", {"power_to_db": '''
def power_to_db(S, ref=1.0, amin=1e-10, top_db=80.0):
    magnitude = np.abs(np.asarray(S))
    ref_value = ref(magnitude) if callable(ref) else np.abs(ref)
    return 10.0 * np.log10(np.maximum(amin, magnitude) / np.maximum(amin, ref_value))
'''}, "raised to max - top_db"),
    "db_ref_callable_ignored": ("decibels", {"power_to_db": '''
def power_to_db(S, ref=1.0, amin=1e-10, top_db=80.0):
    magnitude = np.abs(np.asarray(S))
    ref_value = np.max(magnitude) if callable(ref) else np.abs(ref)
    log_spec = 10.0 * np.log10(np.maximum(amin, magnitude))
    log_spec = log_spec - 10.0 * np.log10(np.maximum(amin, ref_value))
    if top_db is not None:
        log_spec = np.maximum(log_spec, log_spec.max() - top_db)
    return log_spec
'''}, None),
    "db_modifies_input": ("decibels", {"power_to_db": '''
def power_to_db(S, ref=1.0, amin=1e-10, top_db=80.0):
    S = np.asarray(S)
    ref_value = ref(np.abs(S)) if callable(ref) else np.abs(ref)
    np.maximum(S, amin, out=S)
    log_spec = 10.0 * np.log10(S) - 10.0 * np.log10(np.maximum(amin, ref_value))
    if top_db is not None:
        log_spec = np.maximum(log_spec, log_spec.max() - top_db)
    return log_spec
'''}, "in place"),
    "db_import_module_librosa": ("decibels", {"power_to_db": '''
def power_to_db(S, ref=1.0, amin=1e-10, top_db=80.0):
    import importlib
    return importlib.import_module("librosa").power_to_db(np.asarray(S), ref=ref, amin=amin,
                                                          top_db=top_db)
'''}, "librosa may not be used"),
    "mel_always_htk": ("mel", {"hz_to_mel": '''
def hz_to_mel(f, htk=False):
    return 2595.0 * np.log10(1.0 + np.asarray(f, dtype=float) / 700.0)
''', "mel_to_hz": '''
def mel_to_hz(m, htk=False):
    return 700.0 * (10.0 ** (np.asarray(m, dtype=float) / 2595.0) - 1.0)
'''}, "HTK formula"),
    "mel_slaney_no_log_region": ("mel", {"hz_to_mel": '''
def hz_to_mel(f, htk=False):
    f = np.asarray(f, dtype=float)
    return 2595.0 * np.log10(1.0 + f / 700.0) if htk else f / (200.0 / 3)
'''}, "logarithmic above 1000 Hz"),
    "mel_no_slaney_norm": ("mel", {"mel_filterbank": '''
def mel_filterbank(sr, n_fft, n_mels=128, fmin=0.0, fmax=None, htk=False, norm="slaney"):
    fmax = sr / 2.0 if fmax is None else fmax
    freqs = np.fft.rfftfreq(n_fft, d=1.0 / sr)
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin, htk), hz_to_mel(fmax, htk), n_mels + 2), htk)
    ramps = edges[:, None] - freqs[None, :]
    widths = np.diff(edges)
    rising = -ramps[:-2] / widths[:-1, None]
    falling = ramps[2:] / widths[1:, None]
    return np.maximum(0.0, np.minimum(rising, falling))
'''}, "Slaney area normalisation"),
    "mel_unit_sum_norm": ("mel", {"mel_filterbank": '''
def mel_filterbank(sr, n_fft, n_mels=128, fmin=0.0, fmax=None, htk=False, norm="slaney"):
    fmax = sr / 2.0 if fmax is None else fmax
    freqs = np.fft.rfftfreq(n_fft, d=1.0 / sr)
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin, htk), hz_to_mel(fmax, htk), n_mels + 2), htk)
    ramps = edges[:, None] - freqs[None, :]
    widths = np.diff(edges)
    weights = np.maximum(0.0, np.minimum(-ramps[:-2] / widths[:-1, None],
                                         ramps[2:] / widths[1:, None]))
    if norm == "slaney":
        weights = weights / weights.sum(axis=1, keepdims=True)
    return weights
'''}, None),
    "mel_bin_freqs_linspace": ("mel", {"mel_filterbank": '''
def mel_filterbank(sr, n_fft, n_mels=128, fmin=0.0, fmax=None, htk=False, norm="slaney"):
    fmax = sr / 2.0 if fmax is None else fmax
    freqs = np.linspace(0, sr / 2, 1 + n_fft // 2)
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin, htk), hz_to_mel(fmax, htk), n_mels + 2), htk)
    ramps = edges[:, None] - freqs[None, :]
    widths = np.diff(edges)
    weights = np.maximum(0.0, np.minimum(-ramps[:-2] / widths[:-1, None],
                                         ramps[2:] / widths[1:, None]))
    if norm == "slaney":
        weights = weights * (2.0 / (edges[2:] - edges[:-2]))[:, None]
    return weights
'''}, None),
    "mel_float32_filterbank": ("mel", {"mel_filterbank": '''
def mel_filterbank(sr, n_fft, n_mels=128, fmin=0.0, fmax=None, htk=False, norm="slaney"):
    fmax = sr / 2.0 if fmax is None else fmax
    freqs = np.fft.rfftfreq(n_fft, d=1.0 / sr)
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin, htk), hz_to_mel(fmax, htk), n_mels + 2), htk)
    ramps = edges[:, None] - freqs[None, :]
    widths = np.diff(edges)
    weights = np.maximum(0.0, np.minimum(-ramps[:-2] / widths[:-1, None],
                                         ramps[2:] / widths[1:, None]))
    if norm == "slaney":
        weights = weights * (2.0 / (edges[2:] - edges[:-2]))[:, None]
    return weights.astype(np.float32)
'''}, "dtype float64"),
    "melspec_magnitude_not_power": ("mel", {"melspectrogram": '''
def melspectrogram(y, sr, n_fft=2048, hop_length=512, n_mels=128, power=2.0):
    S = np.abs(stft(y, n_fft=n_fft, hop_length=hop_length))
    return mel_filterbank(sr, n_fft, n_mels=n_mels) @ S
'''}, "power=2.0 squares"),
    "melspec_alias_at_module_level": ("mel", {"melspectrogram": '''
import librosa as lr


def melspectrogram(y, sr, n_fft=2048, hop_length=512, n_mels=128, power=2.0):
    return lr.feature.melspectrogram(y=np.asarray(y), sr=sr, n_fft=n_fft,
                                     hop_length=hop_length, n_mels=n_mels, power=power)
'''}, "librosa may not be used"),
    "mfcc_dct_not_orthonormal": ("mfcc", {"mfcc": '''
def mfcc(y, sr, n_mfcc=20, n_fft=2048, hop_length=512, n_mels=128):
    log_mel = power_to_db(melspectrogram(y, sr, n_fft=n_fft, hop_length=hop_length,
                                         n_mels=n_mels))
    k = np.arange(n_mels)[:, None]
    m = np.arange(n_mels)[None, :]
    basis = 2.0 * np.cos(np.pi * k * (2 * m + 1) / (2 * n_mels))
    return (basis @ log_mel)[:n_mfcc]
'''}, "orthonormal scaling"),
    "mfcc_dct_along_time": ("mfcc", {"mfcc": '''
def mfcc(y, sr, n_mfcc=20, n_fft=2048, hop_length=512, n_mels=128):
    log_mel = power_to_db(melspectrogram(y, sr, n_fft=n_fft, hop_length=hop_length,
                                         n_mels=n_mels))
    n = log_mel.shape[1]
    k = np.arange(n)[:, None]
    m = np.arange(n)[None, :]
    scale = np.where(np.arange(n) == 0, np.sqrt(1.0 / n), np.sqrt(2.0 / n))[:, None]
    basis = scale * np.cos(np.pi * k * (2 * m + 1) / (2 * n))
    return (log_mel @ basis.T)[:n_mfcc]
'''}, "along the mel axis"),
    "mfcc_natural_log": ("mfcc", {"mfcc": '''
def mfcc(y, sr, n_mfcc=20, n_fft=2048, hop_length=512, n_mels=128):
    log_mel = np.log(np.maximum(melspectrogram(y, sr, n_fft=n_fft, hop_length=hop_length,
                                               n_mels=n_mels), 1e-10))
    k = np.arange(n_mels)[:, None]
    m = np.arange(n_mels)[None, :]
    scale = np.where(np.arange(n_mels) == 0, np.sqrt(1.0 / n_mels), np.sqrt(2.0 / n_mels))
    return ((scale[:, None] * np.cos(np.pi * k * (2 * m + 1) / (2 * n_mels))) @ log_mel)[:n_mfcc]
'''}, "not the natural log"),
    "mfcc_scipy_dct": ("mfcc", {"mfcc": '''
def mfcc(y, sr, n_mfcc=20, n_fft=2048, hop_length=512, n_mels=128):
    from scipy.fft import dct
    log_mel = power_to_db(melspectrogram(y, sr, n_fft=n_fft, hop_length=hop_length,
                                         n_mels=n_mels))
    return dct(log_mel, axis=0, norm="ortho")[:n_mfcc]
'''}, "scipy may not be used"),
    "centroid_nan_on_silence": ("mfcc", {"spectral_centroid": '''
def spectral_centroid(y, sr, n_fft=2048, hop_length=512):
    S = np.abs(stft(y, n_fft=n_fft, hop_length=hop_length))
    freqs = np.fft.rfftfreq(n_fft, d=1.0 / sr)
    return (freqs[:, None] * S).sum(axis=0, keepdims=True) / S.sum(axis=0, keepdims=True)
'''}, "returned NaN"),
    "centroid_power_weights": ("mfcc", {"spectral_centroid": '''
def spectral_centroid(y, sr, n_fft=2048, hop_length=512):
    S = np.abs(stft(y, n_fft=n_fft, hop_length=hop_length)) ** 2
    freqs = np.fft.rfftfreq(n_fft, d=1.0 / sr)
    total = S.sum(axis=0, keepdims=True)
    return (freqs[:, None] * S).sum(axis=0, keepdims=True) / np.where(total > 0, total, 1.0)
'''}, "not the power"),
    "centroid_flat_shape": ("mfcc", {"spectral_centroid": '''
def spectral_centroid(y, sr, n_fft=2048, hop_length=512):
    S = np.abs(stft(y, n_fft=n_fft, hop_length=hop_length))
    freqs = np.fft.rfftfreq(n_fft, d=1.0 / sr)
    total = S.sum(axis=0)
    return (freqs[:, None] * S).sum(axis=0) / np.where(total > 0, total, 1.0)
'''}, "(1, n_frames)"),
}


def test_reference_full_marks(grade_variant):
    result = grade_variant(ASSIGNMENT, {}, questions=set(QUESTIONS))
    assert result.status == "graded", result.message
    failing = [(t.name, t.output[:300]) for t in result.tests if t.status != "passed"]
    assert not failing, failing
    for name in QUESTIONS:
        score = result.questions[name]
        assert score.score == pytest.approx(score.max_score), name


@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_mutant_loses_points(grade_variant, mutant):
    question, replacements, expect = MUTANTS[mutant]
    result = grade_variant(ASSIGNMENT, replacements, questions={question})
    assert result.status == "graded", result.message
    score = result.questions[question]
    assert score.score < score.max_score - 1e-6, f"{mutant} kept full marks on {question}"
    failed = [t for t in result.tests if t.status != "passed"]
    assert all(t.question == question for t in failed)
    if expect is not None:
        messages = "\n".join(t.output for t in failed)
        assert expect in messages, f"{mutant}: no message names the mistake; got:\n{messages}"
