"""Import and validate RDF files: strict parse, checks, atomic load, provenance.

The pipeline for each run:

1. **read** every input (paths, directories with ``recursive``, ``-`` for stdin),
   decompressing ``.gz``; the sha256 of the bytes, computed while streaming them,
   identifies the content. Nothing else happens to a source whose sha256 matches
   its provenance record: it is "unchanged" and costs one read of its bytes.
2. **parse and check** each new or changed input in one streaming pass: a strict
   pyoxigraph parse (W3C conformant), lexical checks of typed literals, terms
   missing from the ontology (warnings), graph ownership. Blank nodes are renamed
   apart per import, so two sources never share one.
3. **load**: on a store directory the checked quads stream, in bounded chunks,
   straight into the transaction's private snapshot, which is published only if
   every check (SHACL included, run on the loaded data in batches) passed; an error
   or a kill anywhere throws the snapshot away. Stores without such transactions
   (memory, remote) and dry runs check everything into a scratch store first and
   write afterwards.

Counts and hashes come from the parsed input, never from what the store gives back
(Oxigraph canonicalises literals: "+1" is stored as "1").

The package, along the pipeline's seams:

=============== ==============================================================
``model``       the options and the report (``ImportOptions``, ``ImportReport``)
``inputs``      paths, directories and stdin to hashed, re-readable streams
``xml``         the RDF/XML guard: entities, depth, well-formedness
``parse``       one strict streaming parse: quads, counts, literal checks
``locate``      file:line:col for problems the parser does not place
``provenance``  import records, graph ownership, removing a source
``shacl``       SHACL in batches on what the input adds
``pipeline``    ``validate_files``, ``import_files``, ``drop_source``
=============== ==============================================================
"""

from __future__ import annotations

from .inputs import EXTENSIONS, FORMATS
from .model import ImportOptions, ImportReport, SourceRecord, SourceResult
from .pipeline import drop_source, import_files, validate_files
from .provenance import read_sources

__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "ImportOptions",
    "ImportReport",
    "SourceRecord",
    "SourceResult",
    "drop_source",
    "import_files",
    "read_sources",
    "validate_files",
]
