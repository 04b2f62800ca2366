"""The suite names its own servers. A `make run` on this machine announces its embedded ones in its data
folder (shared.local_servers), which the settings read: pointed at a folder of its own before anything reads
them, the suite never runs against a developer's servers."""

import atexit
import os
import shutil
import tempfile

os.environ["DATA_DIR"] = tempfile.mkdtemp(prefix="needs-test-data-")
atexit.register(shutil.rmtree, os.environ["DATA_DIR"], ignore_errors=True)
