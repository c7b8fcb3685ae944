# Loads a Lambda Python handler the way the runtime does, without calling it,
# and writes what happened as JSON to the result file.
# Arguments: task root, handler, result file, provided modules (comma separated).
import importlib
import importlib.abc
import importlib.machinery
import json
import os
import sys
import traceback

root, handler, result_file, provided_list = sys.argv[1:5]
provided = {p for p in provided_list.split(",") if p}
stubbed = set()


def done(**result):
    result["stubbed"] = sorted(stubbed)
    with open(result_file, "w") as f:
        json.dump(result, f)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - the module may have closed or replaced it
            pass
    # Threads and atexit hooks the module started must not keep the load running.
    os._exit(0)


class _Provided(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Stands in for the modules the runtime provides (boto3 and its
    dependencies) when the bundle lacks them: the runtime resolves them from
    outside the bundle. It is last on sys.meta_path, so a bundled copy wins."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in provided:
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        from unittest import mock

        stubbed.add(module.__name__.split(".")[0])
        module.__getattr__ = lambda attr: mock.MagicMock(name=module.__name__ + "." + attr)


def origin(tb):
    """The last bundle file in the traceback, relative to the task root."""
    found = ""
    for frame in traceback.extract_tb(tb):
        if frame.filename.startswith(root + os.sep):
            found = os.path.relpath(frame.filename, root)
    return found


sys.path.insert(0, root)
sys.meta_path.append(_Provided())
modname, _, attr = handler.rpartition(".")
modname = modname.replace("/", ".")
try:
    module = importlib.import_module(modname)
except SyntaxError as e:
    done(status="failed", error=type(e).__name__, message=str(e),
         file=os.path.relpath(e.filename, root) if e.filename and e.filename.startswith(root) else "")
except ImportError as e:
    done(status="failed", error=type(e).__name__, message=str(e), name=e.name or "", file=origin(e.__traceback__))
except BaseException as e:  # noqa: B036 - SystemExit at import time is a finding too
    done(status="failed", error=type(e).__name__, message=str(e), file=origin(e.__traceback__))
file = getattr(module, "__file__", "") or ""
file = os.path.relpath(file, root) if file.startswith(root) else file
if not hasattr(module, attr):
    done(status="failed", kind="missingHandler", file=file, message="%s has no attribute %s" % (file, attr))
if not callable(getattr(module, attr)):
    done(status="failed", kind="notFunction", file=file,
         message="%s in %s is a %s, not callable" % (attr, file, type(getattr(module, attr)).__name__))
done(status="loaded", file=file)
