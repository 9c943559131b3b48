"""Coverage-guided fuzz targets for the engine and the readers (atheris); see fuzz/README.md."""
