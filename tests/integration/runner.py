"""Runs the integration test modules given on the command line with unittest
and ends with one line: "integration: N passed, N failed[, N skipped]"."""
import importlib.util
import os
import sys
import unittest


def main(paths):
    # the daemons log to stderr (the tests read it), not to syslog
    os.environ.setdefault("FORUMGATE_LOG", "stderr")
    suite = unittest.TestSuite()
    loader = unittest.TestLoader()
    for path in paths:
        name = os.path.splitext(os.path.basename(path))[0]
        spec = importlib.util.spec_from_file_location(name, path)
        mod = importlib.util.module_from_spec(spec)
        sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
        spec.loader.exec_module(mod)
        suite.addTests(loader.loadTestsFromModule(mod))
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    passed = result.testsRun - failed - skipped
    line = f"integration: {passed} passed, {failed} failed"
    if skipped:
        line += f", {skipped} skipped"
    print(line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
