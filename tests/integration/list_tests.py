"""Prints the unittest ids in one test module (for CMake to register each as a ctest test)."""
import sys
import unittest


def ids(suite):
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            yield from ids(item)
        else:
            yield item.id()


sys.dont_write_bytecode = True
for test_id in ids(unittest.defaultTestLoader.loadTestsFromName(sys.argv[1])):
    print(test_id)
