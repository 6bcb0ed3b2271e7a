from shequn.trace.models.codes import Carton, CodeBatch, JourneyMark, UnitCode
from shequn.trace.models.epcis import CaptureJob, EpcIndex, EpcisEvent
from shequn.trace.models.verify import (
    CounterfeitReport,
    ProbeTally,
    Scan,
    ScanDevice,
    ScanTally,
    Signal,
)

__all__ = ["CaptureJob", "Carton", "CodeBatch", "CounterfeitReport", "EpcIndex", "EpcisEvent",
           "JourneyMark", "ProbeTally", "Scan", "ScanDevice", "ScanTally", "Signal",
           "UnitCode"]
