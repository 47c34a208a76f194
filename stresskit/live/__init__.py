"""Live use of a workbook in the room: `present` (one Voilà server on the projector, its process
`server` with `kernels`, `access`, `pages` and `vote_routes`), `vote` (votes from the phones) and
`lab` (JupyterLab for workshops). Imports nothing itself: `stresskit run` never needs these."""
