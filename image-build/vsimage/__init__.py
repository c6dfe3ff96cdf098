"""vsimage: builds, verifies and flashes the Vestsight SD card image (`make image`, `make flash`).

One module per step: `config` (image.toml, base.toml), `layers` (the strict layer.toml
format), `compose` (the layers of one image: requirements, data partition declarations),
`host` (tools, binfmt), `base` (the pinned Raspberry Pi OS image, or a Debian arm64 root by
mmdebstrap), `rootfs` (layers applied, accounts, units, fstab, boot files, scrubbing),
`datapart` (the data partition's folders and bind mounts), `app` (venv, app, models,
the card's vestsight.toml), `disk` (partitions and filesystems), `publish` (xz, bmap, sha256),
`inspect` (reads a built image back), `flash` (writes a card safely), `smoke` (boots it).
"""
