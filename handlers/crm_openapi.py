"""`GET /api/openapi.json`: the CRM sync API described in OpenAPI 3.1 (checked by
tests/test_crm_api.py against the specification and against the routes served)."""

from __future__ import annotations

from functools import cache
from typing import Any

from bot.crm_sync import CUSTOMER_FIELDS, MAX_BATCH, MAX_SUBSCRIPTIONS, SUBSCRIPTION_FIELDS

NULLABLE_TEXT = {"type": ["string", "null"]}
TAX_CODE = {
    "type": "string",
    "description": "10 digits; or 10 digits, a hyphen and a 3-digit branch; or 12 digits",
    "examples": ["0101243150", "0101243150-001"],
}
DATE = {"type": "string", "description": "YYYY-MM-DD or dd/mm/yyyy", "examples": ["2027-01-31"]}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _schemas() -> dict[str, Any]:
    customer_fields: dict[str, Any] = {name: dict(NULLABLE_TEXT) for name in CUSTOMER_FIELDS}
    customer_fields["company_name"] = {"type": "string", "maxLength": 400}
    customer_fields["segment"] = {"type": "string", "enum": ["enterprise", "public"]}
    customer_fields["budget_code"] = {
        **NULLABLE_TEXT,
        "description": "7 digits; required for the public segment, empty otherwise",
    }
    customer_fields["owner"] = {**NULLABLE_TEXT, "description": "Slack user id (U… or W…)"}
    subscription = {
        "type": "object",
        "additionalProperties": False,
        "required": list(SUBSCRIPTION_FIELDS),
        "properties": {
            "product": {"type": "string", "enum": ["AMIS_KT", "IGOV"]},
            "contract_no": {"type": "string", "maxLength": 64, "pattern": r"^[\w./\-]+$"},
            "starts_on": DATE,
            "expires_on": DATE,
        },
    }
    subscriptions = {
        "type": "array",
        "minItems": 1,
        "maxItems": MAX_SUBSCRIPTIONS,
        "items": _ref("SubscriptionIn"),
    }
    customer_in = {
        "type": "object",
        "additionalProperties": False,
        "required": ["company_name", "segment", "subscriptions"],
        "properties": {
            "tax_code": {**TAX_CODE, "description": "optional; must equal the path's"},
            **customer_fields,
            "subscriptions": subscriptions,
        },
    }
    batch_item = {
        **customer_in,
        "required": ["tax_code", *customer_in["required"]],
        "properties": {**customer_in["properties"], "tax_code": TAX_CODE},
    }
    subscription_out = {
        "type": "object",
        "properties": {
            **subscription["properties"],
            "starts_on": {"type": "string", "format": "date"},
            "expires_on": {"type": "string", "format": "date"},
            "state": {"type": "string", "enum": ["active", "expired", "data_deleted", "archived"]},
            "open_order_no": NULLABLE_TEXT,
        },
    }
    customer_out = {
        "type": "object",
        "properties": {
            "tax_code": TAX_CODE,
            **customer_fields,
            "updated_at": {"type": "string", "format": "date-time"},
            "subscriptions": {"type": "array", "items": _ref("SubscriptionOut")},
        },
    }
    field_error = {
        "type": "object",
        "required": ["field", "message"],
        "properties": {
            "field": {"type": "string", "examples": ["subscriptions[0].expires_on"]},
            "message": {"type": "string"},
        },
    }
    error = {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {"type": "string", "examples": ["unauthorized", "not_found", "invalid"]},
            "message": {"type": "string"},
            "errors": {"type": "array", "items": _ref("FieldError")},
        },
    }
    status = {"type": "string", "enum": ["created", "updated", "unchanged", "invalid"]}
    result_properties = {
        "status": status,
        "customer": _ref("CustomerOut"),
        "cancelled_orders": {"type": "array", "items": {"type": "string"}},
    }
    sync_result = {
        "type": "object",
        "required": list(result_properties),
        "properties": result_properties,
    }
    batch_in = {
        "type": "object",
        "additionalProperties": False,
        "required": ["customers"],
        "properties": {
            "customers": {"type": "array", "maxItems": MAX_BATCH, "items": _ref("BatchItem")}
        },
    }
    batch_out = {
        "type": "object",
        "properties": {
            "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
            "results": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "tax_code": NULLABLE_TEXT,
                        "status": status,
                        "errors": {"type": "array", "items": _ref("FieldError")},
                        "cancelled_orders": {"type": "array", "items": {"type": "string"}},
                    },
                },
            },
        },
    }
    return {
        "SubscriptionIn": subscription,
        "CustomerIn": customer_in,
        "BatchItem": batch_item,
        "BatchIn": batch_in,
        "SubscriptionOut": subscription_out,
        "CustomerOut": customer_out,
        "SyncResult": sync_result,
        "BatchOut": batch_out,
        "FieldError": field_error,
        "Error": error,
    }


def _errors(*statuses: int) -> dict[str, Any]:
    described = {
        "400": "The body is not JSON",
        "401": "No valid bearer key (the answer carries WWW-Authenticate)",
        "404": "Unknown customer, or the API is off (API_KEYS empty)",
        "413": "The body is too large, or the batch holds too many customers",
        "415": "Content-Type is not application/json",
        "422": "Invalid fields: every error at once, by field",
    }
    return {str(s): _json(_ref("Error"), described[str(s)]) for s in statuses}


@cache
def openapi_document() -> dict[str, Any]:
    tax_code_param = {"name": "tax_code", "in": "path", "required": True, "schema": TAX_CODE}
    language = {
        "name": "Accept-Language",
        "in": "header",
        "required": False,
        "description": "`en` for English messages; Vietnamese otherwise",
        "schema": {"type": "string"},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "MISA Store bot: CRM sync API",
            "version": "1",
            "description": (
                "Customers and their subscriptions from the CRM, checked and stored as the "
                "CSV import does. Idempotent: the same PUT twice changes nothing the second time."
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": {
            "/api/customers/{tax_code}": {
                "parameters": [tax_code_param, language],
                "get": {
                    "operationId": "getCustomer",
                    "summary": "A customer and its subscriptions",
                    "responses": {
                        "200": _json(_ref("CustomerOut"), "The customer"),
                        **_errors(401, 404, 422),
                    },
                },
                "put": {
                    "operationId": "putCustomer",
                    "summary": "Create or update a customer and its subscriptions",
                    "description": (
                        "Subscriptions are matched by contract number; ones not listed are "
                        "kept. An open storage order of a renewed subscription is cancelled."
                    ),
                    "requestBody": {"required": True, **_json(_ref("CustomerIn"), "Customer")},
                    "responses": {
                        "200": _json(_ref("SyncResult"), "Updated, or unchanged"),
                        "201": _json(_ref("SyncResult"), "Created"),
                        **_errors(400, 401, 404, 413, 415, 422),
                    },
                },
            },
            "/api/customers:batch": {
                "parameters": [language],
                "post": {
                    "operationId": "syncCustomers",
                    "summary": f"Up to {MAX_BATCH} customers in one transaction",
                    "requestBody": {"required": True, **_json(_ref("BatchIn"), "Customers")},
                    "responses": {
                        "200": _json(_ref("BatchOut"), "A result per customer, in order"),
                        **_errors(400, 401, 404, 413, 415, 422),
                    },
                },
            },
        },
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "One of the keys of the API_KEYS setting",
                }
            },
            "schemas": _schemas(),
        },
    }
