import requests, yaml, pydantic, dateutil


def handler(event, context):
    return {"statusCode": 200, "body": pydantic.VERSION}
