"""Google push notifications and the caller's channels. Google calls POST /webhook/google; the rest is for users."""
from __future__ import annotations

from fastapi import APIRouter, Header

from api.deps import ContainerDep, CurrentUser
from api.edge import EdgeRoute
from api.envelope import Envelope, Success
from api.schemas.calendar import ChannelOut, WebhookAck, WebhookStatusOut

router = APIRouter(prefix="/webhook", tags=["webhook"], route_class=EdgeRoute)


def channel_out(channel) -> ChannelOut:
    return ChannelOut(channel_id=channel.channel_id, resource_id=channel.resource_id, expiration=channel.expires_at,
                      message_count=channel.message_count, last_message_at=channel.last_message_at)


@router.post("/google", response_model=Envelope[WebhookAck],
             summary="Google Calendar push notification (a signal only; a sync follows shortly)")
async def google_notification(
    container: ContainerDep,
    x_goog_channel_id: str | None = Header(None, max_length=200),
    x_goog_channel_token: str | None = Header(None, max_length=400),
    x_goog_resource_state: str | None = Header(None, max_length=40),
) -> Envelope:
    ack = await container.calendar.push.handle(channel_id=x_goog_channel_id, token=x_goog_channel_token,
                                               resource_state=x_goog_resource_state)
    return Envelope.success(WebhookAck(accepted=ack.accepted, sync_scheduled=ack.sync_scheduled))


@router.post("/setup", response_model=Envelope[ChannelOut], summary="Subscribe to your calendar's changes")
async def setup(user: CurrentUser, container: ContainerDep) -> Envelope:
    return Envelope.success(channel_out(await container.calendar.google.watch(user)))


@router.delete("/unsubscribe/{channel_id}", response_model=Envelope[Success], summary="Stop a channel")
async def unsubscribe(channel_id: str, user: CurrentUser, container: ContainerDep) -> Envelope:
    await container.calendar.push.unsubscribe(user, channel_id)
    return Envelope.success(Success())


@router.get("/status", response_model=Envelope[WebhookStatusOut], summary="Your channels and the pending sync")
async def status(user: CurrentUser, container: ContainerDep) -> Envelope:
    connection = await container.calendar.google.connection(user)
    channels = await container.calendar.push.channels(user)
    return Envelope.success(WebhookStatusOut(
        connected=connection is not None, channels=[channel_out(c) for c in channels],
        sync_pending=bool(connection and connection.sync_due_at),
        last_sync=connection.last_sync_at if connection else None))
