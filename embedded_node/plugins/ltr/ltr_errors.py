"""OpenSearch-shaped errors raised by the LTR plugin, with the plugin's own messages.

Each helper names the plugin class whose message it copies, so a reader can check it against the source.
"""
from __future__ import annotations

from ...errors import EngineError, illegal_argument, parsing


def store_missing(index: str) -> EngineError:
    """``TransportFeatureStoreAction``: writes never auto-create the store index."""
    return illegal_argument(f"Store [{index}] does not exist, please create it first.")


def invalid_store_name(store: str) -> EngineError:
    """``IndexFeatureStore.validateFeatureStoreName``."""
    return illegal_argument(f"A featurestore name cannot be based on the words [feature], [featureset] and "
                            f"[model], got [{store}]")


def invalid_store_name_chars(store: str, why: str) -> EngineError:
    """``IndexFeatureStore.validateFeatureStoreName``: the name itself must be a valid index name."""
    return illegal_argument(f"Invalid feature store name [{store}]: {why}")


def model_parse(name: str, type_: str, cause: EngineError) -> EngineError:
    """``TransportFeatureStoreAction.precheck``: models are compiled at upload."""
    return EngineError("illegal_argument_exception",
                       f"Error while parsing model [{name}] with type [{type_}]", 400, caused_by=cause)


def model_not_updatable() -> EngineError:
    """``RestFeatureManager`` / ``RestCreateModelFromSet``: models are immutable."""
    return EngineError("illegal_argument_exception",
                       "Element of type [model] are not updatable, please create a new one instead.", 405)


def missing_params(names: list[str]) -> EngineError:
    """``PrecompiledTemplateFeature.doToQuery``."""
    return illegal_argument(f"Missing required param(s): [{','.join(names)}]")


def feature_query(name: str, index: str, cause: EngineError) -> EngineError:
    """``PrecompiledTemplateFeature.doToQuery`` wraps template/parse failures in a QueryShardException."""
    return EngineError("query_shard_exception", f"Cannot create query while parsing feature [{name}]", 400,
                       index=index, index_uuid="_na_", caused_by=cause)


def validation_failed(cause: EngineError) -> EngineError:
    """``FeatureStoreRequest`` validation block: the element is run against an index before it is stored."""
    return EngineError("illegal_argument_exception", "Cannot store element, validation failed.", 400,
                       caused_by=cause)


def model_parsing(reason: str) -> EngineError:
    """A model definition problem (wrapped by :func:`model_parse` at upload)."""
    return parsing(reason)


def not_found(kind: str, name: str) -> EngineError:
    """``IndexFeatureStore.load``/``loadSet``/``loadModel`` when the element does not exist."""
    return EngineError("resource_not_found_exception", f"Unknown {kind} [{name}]", 404)
