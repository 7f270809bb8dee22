// Sign-in: e-mail and password → session cookie. Explains why the user is here (session expired, signed
// out, password just set) and returns to the page they came from.

import { Alert, Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useForm } from '@mantine/form';
import { IconInfoCircle } from '@tabler/icons-react';
import { useState } from 'react';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { errorSentence } from '../../api/problem.js';
import { useMe } from './api/get-me.js';
import { useSignIn } from './api/sign-in.js';
import { AuthLayout } from './auth-layout.js';

/** Only same-origin paths: `next` comes from the address bar and must not send the user elsewhere. */
const safeNext = (next: string | null): string => (next && /^\/(?!\/)/.test(next) ? next : '/');

export const SignInPage = () => {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const me = useMe();
  const signIn = useSignIn();
  const [error, setError] = useState<string | null>(null);
  const form = useForm({
    initialValues: { email: '', password: '' },
    validate: {
      email: (value) => (value.trim() === '' ? 'Enter your e-mail address.' : null),
      password: (value) => (value === '' ? 'Enter your password.' : null),
    },
  });
  const next = safeNext(params.get('next'));

  if (me.data && !signIn.isPending && !signIn.isSuccess) return <Navigate to={next} replace />;

  const notice = params.get('expired')
    ? 'Your session expired. Sign in again to continue where you left off.'
    : params.get('signedOut')
      ? 'You are signed out.'
      : params.get('passwordSet')
        ? 'Your password is set. Sign in with your e-mail address and the new password.'
        : null;

  return (
    <AuthLayout title="Sign in" subtitle="Licenses, orders and activations for vendors and their customers.">
      {notice ? (
        <Alert
          icon={<IconInfoCircle aria-hidden />}
          color={params.get('expired') ? 'yellow' : 'blue'}
          role="status"
        >
          {notice}
        </Alert>
      ) : null}
      <form
        noValidate
        onSubmit={form.onSubmit((values) => {
          setError(null);
          signIn.mutate(
            { email: values.email.trim(), password: values.password },
            {
              onSuccess: () => navigate(next, { replace: true }),
              onError: (e) => setError(errorSentence(e)),
            },
          );
        })}
      >
        <Stack gap="md">
          {error ? (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          ) : null}
          <TextInput
            label="E-mail address"
            type="email"
            autoComplete="username"
            autoFocus
            required
            {...form.getInputProps('email')}
          />
          <PasswordInput
            label="Password"
            autoComplete="current-password"
            required
            {...form.getInputProps('password')}
          />
          <Button type="submit" loading={signIn.isPending} fullWidth>
            Sign in
          </Button>
        </Stack>
      </form>
    </AuthLayout>
  );
};
