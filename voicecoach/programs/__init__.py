"""The built-in programs: one YAML file each, loadable by id (the file name without .yaml)."""
