"""The python interop tests need Debian packages (python3-cbor2, python3-cryptography, python3-acme).
When the interpreter running a test lacks one of them (a pyenv or venv python first on PATH), the
test is re-run under Debian's /usr/bin/python3, which has them once scripts/install-deps ran."""
import os
import sys


def require(*modules):
    try:
        for m in modules:
            __import__(m)
    except ImportError:
        debian = "/usr/bin/python3"
        if os.path.realpath(sys.executable) != os.path.realpath(debian) and os.access(debian, os.X_OK):
            script = os.path.abspath(sys.modules["__main__"].__file__)
            os.execv(debian, [debian, script, *sys.argv[1:]])
        raise
