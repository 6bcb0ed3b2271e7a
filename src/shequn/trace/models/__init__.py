from shequn.trace.models.codes import Carton, CodeBatch, JourneyMark, UnitCode
from shequn.trace.models.epcis import CaptureJob, EpcIndex, EpcisEvent

__all__ = ["CaptureJob", "Carton", "CodeBatch", "EpcIndex", "EpcisEvent", "JourneyMark",
           "UnitCode"]
