from shequn.trace.models.codes import Carton, CodeBatch, UnitCode
from shequn.trace.models.epcis import CaptureJob, EpcIndex, EpcisEvent
from shequn.trace.models.verify import CounterfeitReport, Scan, Signal

__all__ = ["CaptureJob", "Carton", "CodeBatch", "CounterfeitReport", "EpcIndex", "EpcisEvent",
           "Scan", "Signal", "UnitCode"]
