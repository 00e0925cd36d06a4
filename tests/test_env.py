import pytest

from helpers import env


@pytest.mark.parametrize("name,getter", [("COURSE_PROFILE", env.profile), ("COURSE_BACKEND", env.backend_setting),
                                         ("COURSE_MAX_USD", env.max_usd)])
def test_invalid_settings_list_the_valid_values(monkeypatch, name, getter):
    monkeypatch.setenv(name, "banana")
    with pytest.raises(env.CourseConfigError) as err:
        getter()
    assert name in str(err.value)
    assert "use" in str(err.value)


def test_profile_default_and_by_profile(monkeypatch):
    monkeypatch.delenv("COURSE_PROFILE", raising=False)
    assert env.profile() == "full"
    assert env.by_profile(full=100, quick=5) == 100
    monkeypatch.setenv("COURSE_PROFILE", "QUICK")
    assert env.by_profile(full=100, quick=5) == 5


def test_max_usd(monkeypatch):
    monkeypatch.setenv("COURSE_MAX_USD", "2.5")
    assert env.max_usd() == 2.5
    monkeypatch.setenv("COURSE_MAX_USD", "-1")
    with pytest.raises(env.CourseConfigError):
        env.max_usd()


def test_cache_dir_follows_env(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "c"))
    assert env.cache_dir() == tmp_path / "c"
    assert (tmp_path / "c").is_dir()


def test_seed_everything_repeats_random_draws():
    import random

    import numpy as np
    import torch

    env.seed_everything(7)
    first = (random.random(), np.random.rand(), torch.rand(1).item())
    env.seed_everything(7)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == first


@pytest.mark.parametrize("capability,bf16,dtype", [((7, 5), False, "float16"), ((8, 0), True, "bfloat16"),
                                                   ((9, 0), True, "bfloat16")])
def test_bf16_only_from_ampere(capability, bf16, dtype):
    gpu = env.GpuInfo(name="test", memory_gib=16.0, capability=capability)
    assert gpu.bf16 is bf16
    assert gpu.dtype_name == dtype


def test_gpu_info_is_none_without_cuda():
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    assert env.gpu_info() is None
