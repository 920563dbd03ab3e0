// Settings → Profile: my display name and picture. The name is checked here by the contract's own
// rules (instant, and the same words the server would use); the picture is previewed before it is
// sent, and the server judges it by its bytes: what it refuses (not a picture, an SVG, too large,
// undecodable) is said in words next to the picker.
import {
  AVATAR_CONTENT_TYPES,
  DISPLAY_NAME_PROBLEM_MESSAGES,
  MAX_AVATAR_BYTES,
  MAX_DISPLAY_NAME_LENGTH,
  displayNameProblem,
  normalizeDisplayName,
  type AvatarContentType,
} from '@messenger/protocol';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../../api/http';
import { useDeleteAvatar, useUpdateProfile, useUploadAvatar } from '../../api/profile';
import { useProfile } from '../../api/profiles';
import { Avatar } from '../../components/Avatar';

const MAX_AVATAR_MB = MAX_AVATAR_BYTES / (1024 * 1024);

function isAccepted(type: string): type is AvatarContentType {
  return (AVATAR_CONTENT_TYPES as readonly string[]).includes(type);
}

/** What to say when the server refuses a picture, by its stable code. */
function pictureProblem(error: unknown): string {
  if (!(error instanceof ApiError)) return 'Something went wrong. Please try again.';
  switch (error.code) {
    case 'unsupported_image':
      return 'That file is not a picture we can use. Choose a PNG, JPEG, WebP or GIF (SVG is not accepted).';
    case 'invalid_image':
      return 'That picture could not be read: it may be damaged, or too many pixels.';
    case 'payload_too_large':
      return `That picture is too large: at most ${MAX_AVATAR_MB} MB.`;
    case 'rate_limited':
      return `Too many uploads. Try again in ${error.retryAfter ?? 60} s.`;
    default:
      return error.message;
  }
}

/** The picker's own check, before anything is sent: the browser's idea of the type, and the size. */
function localPictureProblem(file: File): string | null {
  if (!isAccepted(file.type)) return 'That file is not a picture we can use. Choose a PNG, JPEG, WebP or GIF (SVG is not accepted).';
  if (file.size > MAX_AVATAR_BYTES) return `That picture is too large: at most ${MAX_AVATAR_MB} MB.`;
  return null;
}

export function ProfileSection({ me }: { me: string }) {
  const profile = useProfile(me);
  const ids = { title: useId(), name: useId(), nameHint: useId(), nameError: useId(), picture: useId(), pictureError: useId() };

  // The name field starts from the stored name once it is known, and again after each save.
  const stored = profile?.displayName ?? '';
  const [name, setName] = useState<string | null>(null);
  const value = name ?? stored;
  const [nameError, setNameError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const update = useUpdateProfile();

  async function saveName(event: FormEvent) {
    event.preventDefault();
    setNameError(null);
    setSaved(false);
    const normalized = normalizeDisplayName(value);
    // Empty clears it: the username shows again.
    const problem = normalized === '' ? undefined : displayNameProblem(normalized);
    if (problem) return setNameError(`A display name ${DISPLAY_NAME_PROBLEM_MESSAGES[problem]}.`);
    try {
      await update.mutateAsync({ displayName: normalized === '' ? null : normalized });
      setName(null);
      setSaved(true);
    } catch (error) {
      setNameError(error instanceof ApiError ? error.message : 'Something went wrong. Please try again.');
    }
  }

  // A chosen picture, shown before it is sent; its object URL is released when it goes.
  const [chosen, setChosen] = useState<{ file: File; url: string } | null>(null);
  useEffect(() => (chosen ? () => URL.revokeObjectURL(chosen.url) : undefined), [chosen]);
  const [pictureError, setPictureError] = useState<string | null>(null);
  const [pictureDone, setPictureDone] = useState<string | null>(null);
  const picker = useRef<HTMLInputElement>(null);
  const upload = useUploadAvatar();
  const remove = useDeleteAvatar();
  const busy = upload.isPending || remove.isPending;

  function choose(file: File | undefined) {
    setPictureError(null);
    setPictureDone(null);
    setChosen(null);
    if (!file) return;
    const problem = localPictureProblem(file);
    if (problem) {
      setPictureError(problem);
      if (picker.current) picker.current.value = '';
      return;
    }
    setChosen({ file, url: URL.createObjectURL(file) });
  }

  function clearPicker() {
    setChosen(null);
    if (picker.current) picker.current.value = '';
  }

  function send() {
    if (!chosen || !isAccepted(chosen.file.type)) return;
    setPictureError(null);
    upload.mutate({ image: chosen.file, type: chosen.file.type }, {
      onSuccess: () => {
        clearPicker();
        setPictureDone('Picture saved.');
      },
      onError: (error) => setPictureError(pictureProblem(error)),
    });
  }

  function removePicture() {
    setPictureError(null);
    setPictureDone(null);
    remove.mutate(undefined, {
      onSuccess: () => setPictureDone('Picture removed.'),
      onError: (error) => setPictureError(pictureProblem(error)),
    });
  }

  return (
    <section className="settings-section" aria-labelledby={ids.title}>
      <h3 id={ids.title}>Profile</h3>
      <p className="muted small">
        How others see you. Your username, <bdi>@{me}</bdi>, stays the same: people find you by it.
      </p>
      <div className="profile-picture">
        {chosen ? (
          <img className="avatar avatar-lg avatar-preview" src={chosen.url} alt="Preview of the chosen picture" />
        ) : (
          <Avatar name={profile?.displayName ?? me} colourKey={me} src={profile?.avatarUrl} size="lg" />
        )}
        <div className="profile-picture-actions">
          <input
            ref={picker}
            id={ids.picture}
            className="visually-hidden"
            type="file"
            accept={AVATAR_CONTENT_TYPES.join(',')}
            aria-describedby={pictureError ? ids.pictureError : undefined}
            aria-invalid={pictureError !== null}
            onChange={(e) => choose(e.target.files?.[0])}
          />
          {/* The input keeps focus and keyboard use; the label is what is seen (styled by the input's focus). */}
          <label htmlFor={ids.picture} className="secondary file-button">
            {profile?.avatarUrl ? 'Choose another picture' : 'Choose a picture'}
          </label>
          {chosen && (
            <div className="confirm-row">
              <button type="button" className="primary" onClick={send} disabled={busy}>
                {upload.isPending ? 'Uploading…' : 'Use this picture'}
              </button>
              <button type="button" className="link" onClick={clearPicker} disabled={busy}>
                Cancel
              </button>
            </div>
          )}
          {!chosen && profile?.avatarUrl && (
            <button type="button" className="link muted" onClick={removePicture} disabled={busy}>
              Remove picture
            </button>
          )}
          <p className="hint">
            PNG, JPEG, WebP or GIF, up to {MAX_AVATAR_MB} MB. It is cropped to a square and resized.
          </p>
        </div>
      </div>
      {pictureError && (
        <p id={ids.pictureError} className="form-error" role="alert">
          {pictureError}
        </p>
      )}
      {pictureDone && (
        <p className="form-ok" role="status">
          {pictureDone}
        </p>
      )}
      <form className="settings-form" onSubmit={(e) => void saveName(e)} noValidate>
        <div className="field">
          <label htmlFor={ids.name}>Display name</label>
          <input
            id={ids.name}
            type="text"
            autoComplete="nickname"
            // Code points are what count (the server's rule); this only stops a runaway paste.
            maxLength={MAX_DISPLAY_NAME_LENGTH * 2}
            value={value}
            placeholder={me}
            onChange={(e) => {
              setName(e.target.value);
              setSaved(false);
            }}
            aria-invalid={nameError !== null}
            aria-describedby={nameError ? `${ids.nameHint} ${ids.nameError}` : ids.nameHint}
          />
          <p id={ids.nameHint} className="hint">
            Up to {MAX_DISPLAY_NAME_LENGTH} characters, on one line. Leave it empty to show your username.
          </p>
          {nameError && (
            <p id={ids.nameError} className="form-error" role="alert">
              {nameError}
            </p>
          )}
        </div>
        {saved && (
          <p className="form-ok" role="status">
            Display name saved.
          </p>
        )}
        <button type="submit" className="primary" disabled={update.isPending}>
          {update.isPending ? 'Saving…' : 'Save name'}
        </button>
      </form>
    </section>
  );
}
