"""The national-scale benchmark (issue 8): a data generator and a runner. See bench/README.md."""
