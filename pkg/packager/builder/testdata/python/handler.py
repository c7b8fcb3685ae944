import six


def handler(event, context):
    return {"text": six.text_type(event.get("name", "world"))}
