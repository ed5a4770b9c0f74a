"""Visuals over REST (seed §6.10): pictures for story scenes, gallery, regenerate, owner-only files, codes."""
from __future__ import annotations

import io
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from PIL import Image

from tests.fakes.openai_server import http_error, image_b64, image_missing, image_raw_b64, reply_json
from tests.helpers import error_of, ok_result, signed_in

V = "/api/v1/visuals"


def _png(color=(10, 200, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), color).save(out, format="PNG")
    return out.getvalue()


async def _story(api, headers) -> dict:
    await api.post("/api/v1/future-story/draft", headers=headers, json={"area_id": "health", "answer": "Бегаю"})
    return ok_result(await api.post("/api/v1/future-story/generate", headers=headers))


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def _image_used(container, user) -> int:
    return (await container.quotas.usage(await container.users.get(user.id)))["image"]["used"]


async def test_offline_picture_is_a_card_saved_for_its_owner(api, container, settings):
    user, headers = await signed_in(container)
    story = await _story(api, headers)

    asset = ok_result(await api.post(f"{V}/generate-story-image", headers=headers,
                                     json={"story_id": story["id"], "image_key": "health"}))

    assert asset["image_key"] == "health" and asset["gamification_event"]["reason"] == "story_image_created"
    files = list((settings.uploads_dir / str(user.id) / "story_images").iterdir())
    assert len(files) == 1 and len(files[0].stem) == 32
    response = await api.get(f"{V}/files/{asset['id']}", headers=headers)
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(response.content)).size == (1024, 1024)
    gallery = ok_result(await api.get(f"{V}/story-gallery/{story['id']}", headers=headers))
    assert [a["id"] for a in gallery] == [asset["id"]]
    assert await _image_used(container, user) == 1


async def test_signed_link_serves_without_a_token_until_it_expires(api, container, clock):
    _, headers = await signed_in(container)
    story = await _story(api, headers)
    asset = ok_result(await api.post(f"{V}/generate-story-image", headers=headers,
                                     json={"story_id": story["id"], "image_key": "health"}))
    link = _path(asset["url"])

    assert (await api.get(link)).status_code == 200
    tampered = link.replace("sig=", "sig=x")
    error_of(await api.get(tampered), 403, "VISUALS_LINK_INVALID")
    other_asset = link.replace(asset["id"], str(uuid.uuid4()))
    error_of(await api.get(other_asset), 403, "VISUALS_LINK_INVALID")
    clock.advance(timedelta(hours=25))
    error_of(await api.get(link), 403, "VISUALS_LINK_EXPIRED")


async def test_files_are_only_for_their_owner(api, container):
    _, headers = await signed_in(container)
    intruder, intruder_headers = await signed_in(container)
    story = await _story(api, headers)
    asset = ok_result(await api.post(f"{V}/generate-story-image", headers=headers,
                                     json={"story_id": story["id"], "image_key": "health"}))

    error_of(await api.get(f"{V}/files/{asset['id']}"), 401, "AUTH_UNAUTHORIZED")
    error_of(await api.get(f"{V}/files/{asset['id']}", headers=intruder_headers), 404, "VISUALS_ASSET_NOT_FOUND")
    error_of(await api.get(f"{V}/story-gallery/{story['id']}", headers=intruder_headers), 404,
             "VISUALS_STORY_NOT_FOUND")
    error_of(await api.post(f"{V}/regenerate", headers=intruder_headers, json={"asset_id": asset["id"]}), 404,
             "VISUALS_ASSET_NOT_FOUND")
    error_of(await api.post(f"{V}/generate-story-image", headers=intruder_headers,
                            json={"story_id": story["id"], "image_key": "health"}), 404, "VISUALS_STORY_NOT_FOUND")
    assert await _image_used(container, intruder) == 0


async def test_path_traversal_attempts_get_nothing(api, container, settings):
    _, headers = await signed_in(container)
    secret = settings.uploads_dir.parent / "secret.png"
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_bytes(_png())
    for attempt in ("../secret.png", "..%2F..%2Fsecret.png", "%2e%2e%2fsecret.png", "....//secret.png"):
        response = await api.get(f"{V}/files/{attempt}", headers=headers)
        assert response.status_code in (404, 422), attempt
        assert response.content != secret.read_bytes()
    story = await _story(api, headers)
    error_of(await api.post(f"{V}/generate-story-image", headers=headers,
                            json={"story_id": story["id"], "image_key": "../../secret"}), 404,
             "VISUALS_IMAGE_KEY_NOT_FOUND")


async def test_generate_codes(api, container):
    _, headers = await signed_in(container)
    error_of(await api.post(f"{V}/generate-story-image", headers=headers,
                            json={"story_id": str(uuid.uuid4()), "image_key": "health"}), 404, "VISUALS_STORY_NOT_FOUND")
    story = await _story(api, headers)
    error_of(await api.post(f"{V}/generate-story-image", headers=headers,
                            json={"story_id": story["id"], "image_key": "career"}), 404, "VISUALS_IMAGE_KEY_NOT_FOUND")
    error_of(await api.post(f"{V}/regenerate", headers=headers, json={"asset_id": str(uuid.uuid4())}), 404,
             "VISUALS_ASSET_NOT_FOUND")
    error_of(await api.get(f"{V}/story-gallery/{uuid.uuid4()}", headers=headers), 404, "VISUALS_STORY_NOT_FOUND")


async def test_scene_without_prompt_is_400_and_costs_nothing(online_api, online_container, fake_openai):
    user, headers = await signed_in(online_container)
    await online_api.post("/api/v1/future-story/draft", headers=headers, json={"area_id": "health", "answer": "x"})
    fake_openai.chat.append(reply_json({
        "full_text_3y": "a", "full_text_5y": "b", "by_area_3y": [], "by_area_5y": [],
        "images": [{"image_key": "empty", "title": "Пусто", "dall_e_prompt": "  "}],
    }))
    story = ok_result(await online_api.post("/api/v1/future-story/generate", headers=headers))
    error_of(await online_api.post(f"{V}/generate-story-image", headers=headers,
                                   json={"story_id": story["id"], "image_key": "empty"}), 400, "VISUALS_PROMPT_MISSING")
    assert fake_openai.requests[-1]["_path"] == "chat"
    assert await _image_used(online_container, user) == 0


async def _online_story(online_api, fake_openai, headers) -> dict:
    await online_api.post("/api/v1/future-story/draft", headers=headers, json={"area_id": "health", "answer": "x"})
    fake_openai.chat.append(reply_json({
        "full_text_3y": "a", "full_text_5y": "b", "by_area_3y": [], "by_area_5y": [],
        "images": [{"image_key": "run", "title": "Бег", "dall_e_prompt": "A runner at dawn"}],
    }))
    return ok_result(await online_api.post("/api/v1/future-story/generate", headers=headers))


async def test_online_picture_and_regenerate_replaces_the_file(online_api, online_container, fake_openai, settings):
    user, headers = await signed_in(online_container, plan="pro")
    story = await _online_story(online_api, fake_openai, headers)
    fake_openai.images.append(image_b64(_png((255, 0, 0))))
    asset = ok_result(await online_api.post(f"{V}/generate-story-image", headers=headers,
                                            json={"story_id": story["id"], "image_key": "run"}))
    assert fake_openai.requests[-1]["prompt"] == "A runner at dawn"
    folder = settings.uploads_dir / str(user.id) / "story_images"
    [old_file] = list(folder.iterdir())

    fake_openai.images.append(image_b64(_png((0, 0, 255))))
    again = ok_result(await online_api.post(f"{V}/regenerate", headers=headers, json={"asset_id": asset["id"]}))

    assert again["id"] == asset["id"]
    [new_file] = list(folder.iterdir())
    assert new_file.name != old_file.name
    picture = Image.open(io.BytesIO((await online_api.get(f"{V}/files/{asset['id']}", headers=headers)).content))
    assert picture.convert("RGB").getpixel((0, 0)) == (0, 0, 255)
    assert await _image_used(online_container, user) == 2


async def test_bad_picture_answers_are_502_and_release_the_unit(online_api, online_container, fake_openai, settings):
    user, headers = await signed_in(online_container)
    story = await _online_story(online_api, fake_openai, headers)
    body = {"story_id": story["id"], "image_key": "run"}
    for behaviour in (image_b64(b"definitely not a picture"), image_missing(), image_raw_b64("%%%not-base64%%%")):
        fake_openai.images.append(behaviour)
        error_of(await online_api.post(f"{V}/generate-story-image", headers=headers, json=body), 502,
                 "VISUALS_AI_BAD_RESPONSE")
    fake_openai.images.append(http_error(500))
    error_of(await online_api.post(f"{V}/generate-story-image", headers=headers, json=body), 502, "VISUALS_AI_FAILED")
    assert await _image_used(online_container, user) == 0
    assert not (settings.uploads_dir / str(user.id)).exists()
    assert ok_result(await online_api.get(f"{V}/story-gallery/{story['id']}", headers=headers)) == []


async def test_image_quota_exhaustion_is_403(api, container):
    _user, headers = await signed_in(container)
    story = await _story(api, headers)
    body = {"story_id": story["id"], "image_key": "health"}
    ok_result(await api.post(f"{V}/generate-story-image", headers=headers, json=body))
    error = error_of(await api.post(f"{V}/generate-story-image", headers=headers, json=body), 403, "QUOTA_EXCEEDED")
    assert error["details"] == {"resource": "image", "used": 1, "limit": 1}
