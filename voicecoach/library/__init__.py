"""The built-in routines: one YAML file each, loadable by id (the file name without .yaml)."""
