"""mirror: what Sonarr/Radarr import, delete or rename is done to the copy on a second server.

One ``mirror`` job per file; the entry point is ``pipeline.run``, which dispatches by
the job's kind (``core/job_kinds/mirror``):

- a copy -> ``batch.copy_with_siblings``: rsync copies the file with its sidecars, and
  with it the other waiting copies of its folder (``batch_plan`` works the run out,
  ``file_copy`` is one file on its own, ``bulk`` reconcile's copies of a root); each copy
  is checked against its source (``verification``, ``mirror.verify``), then a Plex scan
  is queued (``scan``, its own pipeline) and the file announced (``messages``);
- a delete or a rename -> ``destination`` (``mirror.propagate_deletes`` /
  ``propagate_renames``);
- a problem (the event named no usable file): the job dies saying why.

``deps`` names what the pipeline uses from outside, ``roots`` the mount checks of a
rule's two roots, ``manual`` plans a copy asked for by hand (``manual_folder``: every
media file of a folder asked for by hand). This package's own import
loads nothing: planning a manual sync or formatting a message does not load the copying.
"""
