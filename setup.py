"""Package layout (everything else is in pyproject.toml): the `helpers` package, and the course's data/ folder shipped
inside it as `helpers/_course/data`, so that a regular (non-editable) install finds its datasets (helpers/paths.py).
A checkout or an editable install reads data/ in place; nothing here changes that."""

from setuptools import find_namespace_packages, find_packages, setup

DATA_PACKAGE = "helpers._course.data"
# Every folder under data/ becomes a package of data files (listing them keeps setuptools from warning that a folder
# it would copy is "absent from the packages configuration").
DATA_PACKAGES = [DATA_PACKAGE] + [f"{DATA_PACKAGE}.{name}" for name in find_namespace_packages("data", exclude=["*__pycache__*"])]

setup(
    packages=find_packages(include=["helpers", "helpers.*"]) + DATA_PACKAGES,
    package_dir={DATA_PACKAGE: "data"},
    package_data={name: ["*"] for name in DATA_PACKAGES},
    exclude_package_data={name: ["__pycache__", "*.pyc"] for name in DATA_PACKAGES},
)
