# The SD card image (image-build/README.md). Included by the main Makefile.
#   make image                  - build vestsight-<version>.img.xz, .bmap, .sha256 in image-build/out
#   make flash DEVICE=/dev/sdX  - write it to a card (refuses mounted/system disks), read it back
#                                 (KEEP_DATA=1: update a vest's card, keeping memory and config)
#   make image-smoke            - boot the CI-style image under qemu-system-aarch64 to READY
# PROFILE=ci builds what CI tests (Debian arm64 base); the default is the maker's full image.

# The tools the image tests need come with `make setup` (CI runs the image test in `make test`).
IMAGE_APT_PACKAGES := mmdebstrap qemu-user-static binfmt-support bmap-tools \
	dosfstools mtools fdisk e2fsprogs xz-utils
APT_PACKAGES += $(IMAGE_APT_PACKAGES)

PROFILE ?= full
IMAGE_OUT ?= image-build/out
IMAGE_WORK ?= image-build/work
# The maker's models and the base image download stay in the maker's home, also under sudo.
MODELS_DIR ?= $(HOME)/.cache/vestsight/models
IMAGE_CACHE ?= $(HOME)/.cache/vestsight/image
VSIMAGE := $(SUDO) env PYTHONPATH=$(abspath image-build) $(abspath $(PY)) -m vsimage

.PHONY: image image-deps image-verify flash image-smoke image-clean

image-deps: system-deps

# The maker's image needs the models (make models; MODELS_DIR elsewhere) and the venv (for pip).
image: image-deps $(INSTALLED)
	$(VSIMAGE) build --profile $(PROFILE) --out $(IMAGE_OUT) --work $(IMAGE_WORK) \
	  --models-dir $(MODELS_DIR) --cache $(IMAGE_CACHE)

image-verify:
	$(VSIMAGE) verify $(lastword $(sort $(wildcard $(IMAGE_OUT)/*.json)))

flash: image-deps
	@test -n "$(DEVICE)" || { echo "usage: make flash DEVICE=/dev/sdX [IMAGE=...] [FORCE=1]" >&2; exit 2; }
	$(VSIMAGE) flash $(DEVICE) $(if $(IMAGE),--image $(IMAGE)) --out $(IMAGE_OUT) $(if $(FORCE),--force) \
	  $(if $(KEEP_DATA),--keep-data)

image-smoke: image-deps $(INSTALLED)
	@dpkg -s qemu-system-arm >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq qemu-system-arm; }
	$(VSIMAGE) build --profile smoke --out $(IMAGE_OUT)/smoke --work $(IMAGE_WORK)-smoke \
	  --models-dir $(MODELS_DIR) --cache $(IMAGE_CACHE)
	$(VSIMAGE) smoke $(IMAGE_OUT)/smoke

image-clean:
	$(SUDO) rm -rf $(IMAGE_WORK) $(IMAGE_WORK)-smoke $(IMAGE_OUT)
