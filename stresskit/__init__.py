"""stresskit: workbooks for the AMO's stress prevention (BFA's guideline, six recommendations)."""

import sys

__version__ = "0.1.0"

# jsonschema (under nbformat, papermill and nbconvert) registers its «iri» format check by importing
# rfc3987_syntax, which compiles a grammar on import: 1.4 CPU s in every process that runs a notebook
# (jsonschema issue #1428). No notebook or schema stresskit validates uses that format, so a process
# that imports stresskit before jsonschema skips the module; one that imported jsonschema first keeps it.
if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)
